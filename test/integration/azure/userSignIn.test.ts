// A person's sign-in for `breakglass`, with the real @azure/identity credentials: the Azure CLI's
// sign-in through a fake `az` first on PATH, and, without one, the device code flow against a
// loopback HTTPS authority (AZURE_AUTHORITY_HOST), its scopes and prompt checked.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createUserSignIn, isWellKnownAuthority, NOT_SIGNED_IN } from "../../../src/adapters/azure/userSignIn.js";
import { cachedSignIn } from "../../../src/cli/tokenCache.js";
import { SignInUnavailable } from "../../../src/ports/errors.js";
import { FakeDeviceCodeAuthority, USER_CODE } from "../../support/fakes/fakeDeviceCodeAuthority.js";

const TENANT_ID = "5161a000-0000-4000-8000-000000000015";
const SCOPE = "api://aks-breakglass/.default";
const AZ_TOKEN = "az-cli-token-not-to-be-printed";
const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const BREAKGLASS_CLIENT_ID = "c11e0000-0000-4000-8000-000000000015";
const NOW = new Date("2026-12-02T03:00:00Z");

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "breakglass-signin-"));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(folder, { recursive: true, force: true });
});

/** Puts an `az` first on PATH that logs its arguments, then runs `script` (sh). */
function fakeAz(script: string): { calls: () => string[] } {
  const bin = join(folder, "bin");
  const log = join(folder, "az-calls.log");
  mkdirSync(bin);
  writeFileSync(join(bin, "az"), `#!/bin/sh\necho "$*" >> '${log}'\n${script}\n`, { mode: 0o755 });
  vi.stubEnv("PATH", `${bin}:${process.env.PATH ?? ""}`);
  return { calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []) };
}

/** What `az account get-access-token --output json` prints. */
function azOutput(expiresAt: Date): string {
  return JSON.stringify({
    accessToken: AZ_TOKEN,
    expiresOn: expiresAt.toISOString().replace("T", " ").replace("Z", ".000000"),
    expires_on: Math.floor(expiresAt.getTime() / 1000),
    subscription: "00000000-0000-4000-8000-0000000000a1",
    tenant: TENANT_ID,
    tokenType: "Bearer",
  });
}

describe("sign-in with the Azure CLI", () => {
  it("asks az for the scope's resource in the tenant, and the cache spares a second az run", async () => {
    const expiresAt = new Date(NOW.getTime() + 3_600_000);
    const az = fakeAz(`cat <<'JSON'\n${azOutput(expiresAt)}\nJSON`);
    const prompt = vi.fn();
    const signIn = cachedSignIn(createUserSignIn({ tenantId: TENANT_ID, prompt }), {
      file: join(folder, "cache", "tokens.json"),
      now: () => NOW,
    });

    expect(await signIn.token(SCOPE)).toEqual({ token: AZ_TOKEN, expiresAt });
    expect(await signIn.token(SCOPE)).toEqual({ token: AZ_TOKEN, expiresAt });

    expect(az.calls()).toEqual([
      `account get-access-token --output json --resource api://aks-breakglass --tenant ${TENANT_ID}`,
    ]);
    expect(prompt).not.toHaveBeenCalled();
  });
});

describe("sign-in with a device code", () => {
  let authority: FakeDeviceCodeAuthority;
  beforeAll(async () => {
    authority = await new FakeDeviceCodeAuthority(TENANT_ID).start();
  });
  afterAll(() => authority.stop());

  async function deviceCodeSignIn(clientId?: string) {
    vi.stubEnv("AZURE_AUTHORITY_HOST", authority.url);
    const prompts: string[] = [];
    const signIn = createUserSignIn({ tenantId: TENANT_ID, clientId, prompt: (message) => prompts.push(message) });
    return { token: await signIn.token(SCOPE), prompts };
  }
  const scopesOf = (form: URLSearchParams | undefined) => form?.get("scope")?.split(" ");

  it("is the way in when az is not installed: the prompt has the code, the authority is asked for the scope", async () => {
    vi.stubEnv("PATH", folder);
    const before = authority.formsSentTo("token").length;

    const { token, prompts } = await deviceCodeSignIn();

    expect(token.token).toBe(authority.accessToken);
    expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(prompts).toEqual([expect.stringContaining(`enter the code ${USER_CODE}`)]);
    expect(prompts.join("")).not.toContain(authority.accessToken);
    const deviceCode = authority.formsSentTo("devicecode").at(-1);
    expect(scopesOf(deviceCode)).toContain(SCOPE);
    // Without a client id of the caller's, @azure/identity's default: the Azure CLI's public client.
    expect(deviceCode?.get("client_id")).toBe(AZURE_CLI_CLIENT_ID);
    // One authorization_pending, then the token: the flow polls until the person has typed the code.
    const polls = authority.formsSentTo("token").slice(before);
    expect(polls).toHaveLength(2);
    for (const form of polls) expect(scopesOf(form)).toContain(SCOPE);
  });

  it("is the way in when az is installed but not logged in, with the caller's client id", async () => {
    const az = fakeAz(`echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`);

    const { token, prompts } = await deviceCodeSignIn(BREAKGLASS_CLIENT_ID);

    expect(az.calls()).toHaveLength(1);
    expect(authority.formsSentTo("devicecode").at(-1)?.get("client_id")).toBe(BREAKGLASS_CLIENT_ID);
    expect(token.token).toBe(authority.accessToken);
    expect(prompts).toHaveLength(1);
  });

  it("fails with one sentence saying what to do when the authority refuses, never a stack trace", async () => {
    vi.stubEnv("PATH", folder);
    authority.inject({
      path: "/oauth2/v2.0/token",
      response: {
        status: 400,
        body: {
          error: "invalid_client",
          error_description: "AADSTS65001: The user or administrator has not consented.",
        },
      },
    });

    const failure = await deviceCodeSignIn().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(SignInUnavailable);
    expect((failure as Error).message).toBe(NOT_SIGNED_IN);
    expect(NOT_SIGNED_IN).toMatch(/^[^\n]*`az login`[^\n]*$/);
  });
});

describe("when no way of signing in works", () => {
  it("names a tenant id that is not one", async () => {
    const failure = await createUserSignIn({ tenantId: "not a tenant!", prompt: () => {} })
      .token(SCOPE)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SignInUnavailable);
    expect((failure as Error).message).toMatch(/^"not a tenant!" is not a tenant id/);
  });
});

describe("instance discovery", () => {
  it("stays on for Microsoft's clouds and is off for any other authority", () => {
    expect(isWellKnownAuthority(undefined)).toBe(true);
    expect(isWellKnownAuthority("https://login.microsoftonline.com")).toBe(true);
    expect(isWellKnownAuthority("https://login.microsoftonline.us/")).toBe(true);
    expect(isWellKnownAuthority("https://login.chinacloudapi.cn")).toBe(true);
    expect(isWellKnownAuthority("https://127.0.0.1:8443")).toBe(false);
    expect(isWellKnownAuthority("https://login.sovereign.example")).toBe(false);
  });
});
