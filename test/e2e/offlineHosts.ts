// Shared by the end-to-end files: each test starts its own Azurite and offline host, and
// everything it starts is stopped after it, whether it passed or not.
import { afterEach, expect, onTestFailed } from "vitest";
import { startAzurite, type RunningAzurite } from "../../dev/azurite.js";
import { jsonClient, type JsonCall } from "../../dev/jsonClient.js";
import { simulationHostEnv, startOfflineHost, type RunningProcess } from "../support/processes.js";

export const CLUSTER =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu";

export interface Api {
  base: string;
  call: JsonCall;
  token(user: string): Promise<string>;
}

export function api(base: string): Api {
  const call = jsonClient(base);
  return {
    base,
    call,
    async token(user) {
      const reply = await call("POST", "/api/dev/token", { json: { user } });
      expect(reply.status).toBe(200);
      return (reply.body as { access_token: string }).access_token;
    },
  };
}

export type Cluster = { localAccounts: string; openWindows: { requestId: string; closesAt: string }[] };

export const cleanups: (() => Promise<unknown>)[] = [];
// Module scope on purpose: vitest evaluates this module once per test file that imports it, so
// every end-to-end file gets the hook.
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

export async function ownAzurite(): Promise<RunningAzurite> {
  const azurite = await startAzurite();
  cleanups.push(() => azurite.stop());
  return azurite;
}

export async function hostOn(
  azurite: RunningAzurite,
  taskHub: string,
  port: number,
  env: Record<string, string> = {},
): Promise<{ host: RunningProcess; api: Api }> {
  const base = `http://127.0.0.1:${port}`;
  const host = startOfflineHost({
    ...simulationHostEnv(port, azurite.connectionString, taskHub),
    BREAKGLASS_MIN_DURATION: "PT10S",
    BREAKGLASS_APPROVAL_TIMEOUT: "PT2M",
    ...env,
  });
  cleanups.push(() => host.stop());
  onTestFailed(() => console.error(`--- output of the offline host on ${base} (${taskHub}) ---\n${host.output()}`));
  await host.waitFor(/offline host listening on/);
  return { host, api: api(base) };
}

export async function clusterState(client: Api, token: string): Promise<Cluster> {
  const reply = await client.call("GET", "/api/clusters", { token });
  expect(reply.status).toBe(200);
  return (reply.body as Cluster[])[0]!;
}

/** A request's status, as the holder of the token reads it. */
export async function requestStatus(client: Api, token: string, id: string): Promise<string> {
  return ((await client.call("GET", `/api/requests/${id}`, { token })).body as { status: string }).status;
}
