// A whole window in azure mode through the offline host, its storage reached with a managed
// identity only: Azurite over HTTPS with `--oauth basic`, tokens from the loopback managed identity
// endpoint, ARM, Graph, Entra and Teams as loopback fakes. No account key and no connection string
// anywhere in the host's environment: the app's tables and the host's orchestration state alike
// live on identity-based storage.
import { afterEach, describe, expect, it, onTestFailed, vi } from "vitest";
import { AZURITE_KEY } from "../../dev/azurite.js";
import { SIMULATION_CLUSTER_IDS } from "../../src/app/simulationDefaults.js";
import { AZURE_TENANT, startAzureWorld } from "../support/azureWorld.js";
import { STORAGE_RESOURCE } from "../support/fakes/fakeManagedIdentity.js";
import { startIdentityStorage } from "../support/identityStorage.js";
import { eventually, freePort, run } from "../support/processes.js";
import { api } from "./offlineHosts.js";

vi.setConfig({ testTimeout: 60_000 });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The process's environment without any storage setting of its own, and nothing that could carry a key. */
function environmentWithoutStorage(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith("AzureWebJobsStorage"),
    ),
  );
}

describe("azure mode on identity-based storage, through the offline host", () => {
  it("a window opens and closes with storage tokens from the managed identity and no key anywhere", async () => {
    const world = await startAzureWorld();
    cleanups.push(() => world.stop());
    world.arm.pollsPerOperation = 0;
    const storage = await startIdentityStorage(AZURE_TENANT);
    cleanups.push(() => storage.stop());
    const port = await freePort();
    const env = {
      ...environmentWithoutStorage(),
      ...world.env,
      ...storage.env,
      PORT: String(port),
      TASKHUB_NAME: "identity",
      BREAKGLASS_MIN_DURATION: "PT2S",
    };
    const values = Object.values(env).join("\n");
    expect(values).not.toContain(AZURITE_KEY);
    expect(values).not.toMatch(/AccountKey=|SharedAccessSignature=|UseDevelopmentStorage/i);

    const host = run(process.execPath, ["dist/dev/host/main.js"], env);
    cleanups.push(() => host.stop());
    onTestFailed(() => console.error(`--- offline host output ---\n${host.output()}`));
    await host.waitFor(/offline host listening on/);
    const client = api(`http://127.0.0.1:${port}`);
    const [alice, bob] = await Promise.all(
      ["alice@contoso.dev", "bob@contoso.dev"].map((upn) => world.token(upn, new Date())),
    );
    const cluster = SIMULATION_CLUSTER_IDS[0];
    const created = await client.call("POST", "/api/requests", {
      token: alice,
      json: { cluster, justification: "Entra outage", ticket: "INC-14", duration: "PT2S" },
    });
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };
    expect((await client.call("POST", `/api/requests/${id}/approve`, { token: bob })).status).toBe(202);
    await eventually(async () => {
      const reply = await client.call("GET", `/api/requests/${id}`, { token: bob });
      expect((reply.body as { status: string }).status).toBe("closed");
    }, 30_000);
    expect(world.arm.cluster(cluster)).toMatchObject({ localAccountsEnabled: false });
    expect(world.arm.received("PUT").length + world.arm.received("PATCH").length).toBeGreaterThanOrEqual(2);
    const verified = await client.call("GET", `/api/audit/verify?requestId=${id}`, { token: bob });
    expect(verified).toMatchObject({ status: 200, body: { ok: true } });

    const resources = storage.identity.issuedFor();
    expect(resources).toContain(STORAGE_RESOURCE);
    expect(resources).toContain(world.arm.url);
    expect(host.output()).not.toMatch(/could not start|unhandled rejection/);
  });

  it("npm start with identity-based settings starts no Azurite of its own and runs on them", async () => {
    const storage = await startIdentityStorage("00000000-0000-0000-0000-00000000aaaa");
    cleanups.push(() => storage.stop());
    const [port, blob, queue, table] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const env = {
      ...environmentWithoutStorage(),
      ...storage.env,
      PORT: String(port),
      BREAKGLASS_HOST: "offline",
      AZURITE_BLOB_PORT: String(blob),
      AZURITE_QUEUE_PORT: String(queue),
      AZURITE_TABLE_PORT: String(table),
    };
    const stack = run(process.execPath, ["dist/dev/start.js"], env);
    cleanups.push(() => stack.stop());
    onTestFailed(() => console.error(`--- npm start output ---\n${stack.output()}`));
    await stack.waitFor(/API on http:/);
    expect(stack.output()).toContain("storage: the identity-based AzureWebJobsStorage__* settings");
    expect((await api(`http://127.0.0.1:${port}`).call("GET", "/api/health")).status).toBe(200);
    // Nothing listens where npm start would have started its Azurite.
    await expect(fetch(`http://127.0.0.1:${table}/`)).rejects.toThrow();
  });
});
