// What every row of the benchmark runs against: an Azurite of its own (in memory, free ports) and
// the offline host in this process, serving the compiled app over real HTTP in real time — so that
// the composed app the host loaded (getApp() of the same dist/src/app/composition.js) can be asked
// what the simulated ARM counted. Timers the rows do not measure are pushed out of the run.
import { jsonClient, type JsonCall, type JsonReply } from "../dev/jsonClient.js";
import type { SimulatedCalls } from "../src/ports/simulation.js";
import { createServer } from "node:net";
import { startAzurite, type RunningAzurite } from "../dev/azurite.js";
import { runOfflineHost } from "../dev/host/main.js";
import type { OfflineHost } from "../dev/host/offlineHost.js";
import type { App } from "../src/app/composition.js";
import { SIMULATION_GROUPS } from "../src/app/simulationDefaults.js";
import { parseManagedClusterId, type ManagedCluster } from "../src/domain/clusters.js";

export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
export const RESOURCE_GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-prod`;
export const BENCH_TAG = { breakglass: "enabled" } as const;
/**
 * A daily schedule twelve hours from now: it does not come round during a run, so the rows run the
 * timers they measure themselves. (Not a yearly one: the offline host waits for the next run with
 * one setTimeout, which Node caps at about 24.8 days — a later one would fire at once, again and again.)
 */
function notDuringTheRun(now = new Date()): string {
  const later = new Date(now.getTime() + 12 * 3600_000);
  return `0 ${later.getUTCMinutes()} ${later.getUTCHours()} * * *`;
}

/**
 * The clusters of the concurrent windows: the two simulated fixtures and eight more, all listed in
 * BREAKGLASS_CLUSTERS (with BREAKGLASS_CLUSTER_TAG the list is otherwise empty), which the simulated
 * world seeds as it seeds the fixtures. Listed rather than tagged: request creation accepts the
 * listed clusters only until the fleet inventory is wired into it (issue 18); the watchdog's fleet
 * is tagged (POST /api/dev/clusters).
 */
export const BURST_CLUSTERS = [
  "aks-prod-weu",
  "aks-prod-neu",
  ...Array.from({ length: 8 }, (_, i) => `bench-burst-${i}`),
];

export function clusterNamed(name: string): ManagedCluster {
  return parseManagedClusterId(`${RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/${name}`)!;
}

export type Reply = JsonReply;

export interface Bench {
  readonly base: string;
  readonly app: App;
  readonly host: OfflineHost;
  /** One HTTP call to the host; JSON in and out. */
  call: JsonCall;
  /** What the host's app asked of the simulated ARM and Resource Graph (GET /api/dev/calls: the host's bundle composes its own app). */
  hostCalls(): Promise<SimulatedCalls>;
  token(user: string): Promise<string>;
  /** Runs a timer function as the host's scheduler would: its own registration, a context with its bindings. */
  runTimer(name: string): Promise<void>;
  /** The host's log lines of this run (shown when a row fails). */
  readonly log: readonly string[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** The app's settings for the run: simulation, short windows, listed and tagged clusters (docs/design.md §12). */
export function benchEnvironment(port: number, storage: string): Record<string, string> {
  return {
    PORT: String(port),
    AzureWebJobsStorage: storage,
    TASKHUB_NAME: "bench",
    BREAKGLASS_MODE: "simulation",
    BREAKGLASS_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    BREAKGLASS_EVIDENCE: "off",
    BREAKGLASS_GROUP_MAX_MEMBERS: "100", // the run adds responders to the emergency group
    BREAKGLASS_MIN_DURATION: "PT2S",
    BREAKGLASS_APPROVAL_TIMEOUT: "PT1H",
    BREAKGLASS_CLUSTER_TAG: "breakglass=enabled",
    BREAKGLASS_SUBSCRIPTIONS: SUBSCRIPTION,
    BREAKGLASS_CLUSTERS: BURST_CLUSTERS.map((name) => clusterNamed(name).id).join(","),
    BREAKGLASS_WATCHDOG_SCHEDULE: notDuringTheRun(),
    BREAKGLASS_GROUP_WATCH_SCHEDULE: notDuringTheRun(),
    BREAKGLASS_READINESS_SCHEDULE: notDuringTheRun(),
  };
}

export async function startBench(): Promise<Bench> {
  const azurite: RunningAzurite = await startAzurite();
  const port = await freePort();
  Object.assign(process.env, benchEnvironment(port, azurite.connectionString));
  const log: string[] = [];
  const host = await runOfflineHost(process.env, (line) => log.push(line));
  // Only now: the host decided how @azure/functions loads before anything imported it.
  const { getApp } = await import("../src/app/composition.js");
  const app = await getApp();
  const base = host.url;
  const call = jsonClient(base);
  return {
    base,
    app,
    host,
    call,
    log,
    async token(user) {
      const reply = await call("POST", "/api/dev/token", { json: { user } });
      if (reply.status !== 200) throw new Error(`POST /api/dev/token → ${reply.status}`);
      return (reply.body as { access_token: string }).access_token;
    },
    runTimer: (name) => host.runTimer(name),
    async hostCalls() {
      const reply = await call("GET", "/api/dev/calls");
      if (reply.status !== 200) throw new Error(`GET /api/dev/calls → ${reply.status}`);
      return reply.body as SimulatedCalls;
    },
    async stop() {
      await host.stop();
      await azurite.stop();
    },
  };
}

/** Whether the simulated cluster's local accounts are enabled now (one simulated ARM read). */
export async function localAccountsEnabled(bench: Bench, cluster: ManagedCluster): Promise<boolean> {
  const read = await bench.app.simulation!.clusterControl.read(cluster);
  return read.kind === "found" && read.state.localAccounts === "enabled";
}

export const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Polls `probe` every `everyMs` until it answers true; the time it first did, or throws after `timeoutMs`. */
export async function until(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  everyMs = 5,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return Date.now();
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Runs `work` over `items` with at most `width` at a time, in order of the items. */
export async function inParallel<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}

/**
 * More people in the emergency group: one may hold only one live request per cluster, and the
 * simulated directory starts with two who may ask. Added through the simulated directory's own
 * editor (there is no dev route that makes people); each signs in with POST /api/dev/token.
 */
export async function addResponders(bench: Bench, prefix: string, count: number): Promise<string[]> {
  const directory = bench.app.simulation!.directory;
  return inParallel(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const upn = `${prefix}-${String(i).padStart(2, "0")}@contoso.dev`;
      const oid = `be000000-0000-4000-8000-${String(i).padStart(6, "0")}${prefix.length.toString().padStart(6, "0")}`;
      await directory.addUser({ oid, upn, displayName: upn, mail: upn, accountEnabled: true });
      await directory.addMember(SIMULATION_GROUPS.emergency.id, oid);
      return upn;
    },
  );
}

/** Adds simulated clusters through POST /api/dev/clusters (tagged: managed by BREAKGLASS_CLUSTER_TAG). */
export async function addClusters(bench: Bench, names: readonly string[], width = 16): Promise<ManagedCluster[]> {
  return inParallel(names, width, async (name) => {
    const reply = await bench.call("POST", "/api/dev/clusters", { json: { name, tags: BENCH_TAG } });
    if (reply.status !== 201)
      throw new Error(`POST /api/dev/clusters ${name} → ${reply.status} ${JSON.stringify(reply.body)}`);
    return clusterNamed(name);
  });
}
