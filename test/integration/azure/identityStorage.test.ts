// The app's tables reached with a managed identity and no shared key, for real: Azurite over
// HTTPS with `--oauth basic`, tokens from the loopback managed identity endpoint. A whole window
// in simulation mode (the simulated world's own tables too), its trail verified by the API and by
// the audit command line, both reading the same identity-based settings.
import { TableClient } from "@azure/data-tables";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { composeAuditStore } from "../../../src/app/composition.js";
import { SIMULATION_TENANT_ID } from "../../../src/app/simulationDefaults.js";
import { runAuditCommand } from "../../../src/cli/audit.js";
import { cliIo, closedRequest, verifyTrail } from "../../support/audit.js";
import { createHarness } from "../../support/harness.js";
import { STORAGE_RESOURCE } from "../../support/fakes/fakeManagedIdentity.js";
import {
  startIdentityStorage,
  STORAGE_IDENTITY_CLIENT_ID,
  type IdentityStorage,
} from "../../support/identityStorage.js";

let storage: IdentityStorage;
beforeAll(async () => {
  storage = await startIdentityStorage(SIMULATION_TENANT_ID);
});
afterAll(() => storage.stop());

/** A harness whose tables are on the OAuth Azurite; a blank connection string counts as unset. */
async function identityHarness() {
  // ManagedIdentityCredential reads the endpoint from the process's environment, as on App Service.
  vi.stubEnv("IDENTITY_ENDPOINT", storage.env.IDENTITY_ENDPOINT);
  vi.stubEnv("IDENTITY_HEADER", storage.env.IDENTITY_HEADER);
  return createHarness({ env: { ...storage.env, AzureWebJobsStorage: "" } });
}

describe("identity-based storage against Azurite with HTTPS and OAuth", () => {
  it("runs a window on tables reached with managed identity tokens, and its trail verifies by API and CLI", async () => {
    const h = await identityHarness();
    expect(h.config.storage).toMatchObject({ kind: "identity", managedIdentity: true });
    const id = await closedRequest(h);
    expect(await verifyTrail(h, id)).toMatchObject({ ok: true });
    expect(await h.localAccounts()).toBe("disabled");

    const io = cliIo();
    const cli = () => ({ ...composeAuditStore(h.config, h.tablePrefix), clusters: h.config.clusters });
    expect(await runAuditCommand(["verify", "--request", id], cli, io)).toBe(0);
    expect(io.out.join("")).toMatch(new RegExp(`^${id}: ok, \\d+ entries`));

    expect(storage.identity.issuedFor()).toContain(STORAGE_RESOURCE);
    const asked = storage.identity.received("GET", "/msi/token");
    expect(asked.every((request) => request.query.get("client_id") === STORAGE_IDENTITY_CLIENT_ID)).toBe(true);
  });

  it("Azurite really checks the token: one for another audience, and none at all, are refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    const armToken = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(`https://sts.windows.net/${SIMULATION_TENANT_ID}/`)
      .setAudience("https://management.azure.com")
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 3600)
      .sign(new Uint8Array(32));
    const wrongAudience = new TableClient(storage.azurite.serviceUris.table, "refused", {
      getToken: async () => ({ token: armToken, expiresOnTimestamp: Date.now() + 3_600_000 }),
    });
    await expect(wrongAudience.createTable()).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining("Invalid token audience") as string,
    });
    const anonymous = new TableClient(storage.azurite.serviceUris.table, "refused");
    await expect(anonymous.createTable()).rejects.toMatchObject({ statusCode: 403 });
  });
});
