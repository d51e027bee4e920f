// The token cache between `breakglass` invocations: per scope until five minutes before expiry, in a
// file only the user can read, replaced atomically, and not believed when it is open to others.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cachedSignIn, distrustOf, EXPIRY_MARGIN_MS, tokenCacheFile } from "../../../src/cli/tokenCache.js";
import type { AccessToken, SignIn } from "../../../src/ports/signIn.js";

const SCOPE = "api://aks-breakglass/.default";
const HOUR = 3_600_000;

let folder: string;
let file: string;
let now: Date;
let warnings: string[];
let issued: string[];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "breakglass-cache-"));
  file = join(folder, "aks-breakglass", "tokens.json");
  now = new Date("2026-12-02T03:00:00Z");
  warnings = [];
  issued = [];
});
afterEach(() => {
  // Whatever went wrong, no warning ever carried a token.
  for (const token of issued) expect(warnings.join("\n")).not.toContain(token);
  rmSync(folder, { recursive: true, force: true });
});

/** A sign-in that issues a new token, valid an hour, at each call, and counts its calls per scope. */
function countingSignIn(): SignIn & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async token(scope): Promise<AccessToken> {
      calls.push(scope);
      const token = `secret-token-${issued.length}`;
      issued.push(token);
      return { token, expiresAt: new Date(now.getTime() + HOUR) };
    },
  };
}

function cached(inner: SignIn): SignIn {
  return cachedSignIn(inner, { file, now: () => now, warn: (message) => warnings.push(message) });
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("token cache", () => {
  it("answers from the file while a token lives, per scope, and signs in again five minutes before expiry", async () => {
    const inner = countingSignIn();
    const first = await cached(inner).token(SCOPE);

    now = new Date(first.expiresAt.getTime() - EXPIRY_MARGIN_MS - 1);
    // A new instance: the next `breakglass` invocation, which knows only the file.
    expect(await cached(inner).token(SCOPE)).toEqual(first);
    expect(inner.calls).toEqual([SCOPE]);

    await cached(inner).token("api://other/.default");
    expect(inner.calls).toEqual([SCOPE, "api://other/.default"]);

    now = new Date(first.expiresAt.getTime() - EXPIRY_MARGIN_MS);
    const renewed = await cached(inner).token(SCOPE);
    expect(renewed.token).not.toBe(first.token);
    expect(inner.calls).toEqual([SCOPE, "api://other/.default", SCOPE]);
    expect(warnings).toEqual([]);
  });

  it("writes the file 0600 in a folder 0700, leaving no temporary file behind", async () => {
    await cached(countingSignIn()).token(SCOPE);

    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(join(folder, "aks-breakglass"))).toBe(0o700);
    expect(readdirSync(join(folder, "aks-breakglass"))).toEqual(["tokens.json"]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ tokens: { [SCOPE]: { token: issued[0] } } });
  });

  it("closes a folder that was made open before", async () => {
    mkdirSync(join(folder, "aks-breakglass"), { mode: 0o755 });
    chmodSync(join(folder, "aks-breakglass"), 0o755);

    await cached(countingSignIn()).token(SCOPE);

    expect(modeOf(join(folder, "aks-breakglass"))).toBe(0o700);
  });

  it("does not believe a file others may read: says so once, signs in, and replaces it with a 0600 one", async () => {
    const inner = countingSignIn();
    await cached(inner).token(SCOPE);
    chmodSync(file, 0o644);
    now = new Date(now.getTime() + 60_000);

    const signIn = cached(inner);
    const fresh = await signIn.token(SCOPE);

    expect(inner.calls).toHaveLength(2);
    expect(fresh.token).toBe(issued[1]);
    expect(warnings).toEqual([expect.stringMatching(/^ignoring the token cache .*: others may read it \(mode 644\)/)]);
    expect(modeOf(file)).toBe(0o600);
    expect(await signIn.token(SCOPE)).toEqual(fresh);
    expect(warnings).toHaveLength(1);
  });

  it("does not follow a symbolic link put in the file's place", async () => {
    const inner = countingSignIn();
    await cached(inner).token(SCOPE);
    const elsewhere = join(folder, "elsewhere.json");
    writeFileSync(elsewhere, readFileSync(file), { mode: 0o600 });
    rmSync(file);
    symlinkSync(elsewhere, file);

    await cached(inner).token(SCOPE);

    expect(inner.calls).toHaveLength(2);
    expect(warnings).toEqual([expect.stringMatching(/^ignoring the token cache /)]);
  });

  it("ignores a corrupt file and replaces it", async () => {
    mkdirSync(join(folder, "aks-breakglass"), { mode: 0o700 });
    for (const corrupt of [
      "{not json",
      JSON.stringify({ tokens: { [SCOPE]: { token: 42, expiresAt: "2099-01-01T00:00:00Z" } } }),
    ]) {
      writeFileSync(file, corrupt, { mode: 0o600 });
      const inner = countingSignIn();

      const token = await cached(inner).token(SCOPE);

      expect(inner.calls).toEqual([SCOPE]);
      expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ tokens: { [SCOPE]: { token: token.token } } });
    }
    expect(warnings).toEqual([]);
  });

  it("still gives the token when the file cannot be written, says why once, and keeps it for the process", async () => {
    writeFileSync(join(folder, "aks-breakglass"), "a file where the folder should be");
    const inner = countingSignIn();
    const signIn = cached(inner);

    const token = await signIn.token(SCOPE);
    expect(await signIn.token(SCOPE)).toEqual(token);

    expect(token.token).toBe(issued[0]);
    expect(inner.calls).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/^could not keep the token in /)]);
    now = new Date(token.expiresAt.getTime());
    await signIn.token(SCOPE);
    expect(inner.calls).toHaveLength(2);
    expect(warnings).toHaveLength(1);
  });

  it("distrusts a file owned by someone else or open to others, except where there are no uids", () => {
    expect(distrustOf({ uid: 1000, mode: 0o100600 }, 1000)).toBeUndefined();
    expect(distrustOf({ uid: 0, mode: 0o100600 }, 1000)).toBe("it is owned by uid 0, not by you");
    expect(distrustOf({ uid: 1000, mode: 0o100640 }, 1000)).toBe("others may read it (mode 640)");
    expect(distrustOf({ uid: 1000, mode: 0o100604 }, 1000)).toBe("others may read it (mode 604)");
    expect(distrustOf({ uid: 0, mode: 0o100666 }, undefined)).toBeUndefined();
  });

  it("lives under XDG_CACHE_HOME, or ~/.cache without it", () => {
    expect(tokenCacheFile({ XDG_CACHE_HOME: "/var/cache/u" }, "/home/u")).toBe(
      "/var/cache/u/aks-breakglass/tokens.json",
    );
    expect(tokenCacheFile({}, "/home/u")).toBe("/home/u/.cache/aks-breakglass/tokens.json");
    expect(tokenCacheFile({ XDG_CACHE_HOME: "" }, "/home/u")).toBe("/home/u/.cache/aks-breakglass/tokens.json");
  });
});
