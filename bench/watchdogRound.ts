// Row 4: one watchdog round over a fleet of ~1,000 tagged simulated clusters (added through
// POST /api/dev/clusters), a few of them enabled out of band (POST /api/dev/clusters/{name}/
// local-accounts) with no window: those need action, the rest need none. The round runs as the
// watchdog timer runs it (its registration, the host's context); the simulated ARM's counters
// (the host's own counters, GET /api/dev/calls: its bundle composed its own app) say what it asked for. The
// simulated inventory may lag ARM (composition option resourceGraphLagMs): the row waits past it.
import { median, ms, type Row } from "./report.js";
import { addClusters, localAccountsEnabled, sleep, type Bench } from "./world.js";
import type { ManagedCluster } from "../src/domain/clusters.js";
import { fleetSubscriptions } from "../src/domain/fleet.js";
import { ARG_LAG_BOUND_MS } from "../src/domain/fleetRound.js";

/** ARM calls a cluster that needs action may cost: the confirming GET, and the lock's own GET and PUT. */
export const CALLS_PER_ACTION = 3;
/** Past the simulated inventory's default lag (5 s), so that it has seen the out-of-band changes. */
const INVENTORY_LAG_MS = 5_500;

export interface WatchdogRoundOptions {
  readonly clusters: number;
  readonly needingAction: number;
}

export async function watchdogRows(bench: Bench, options: WatchdogRoundOptions): Promise<Row[]> {
  const control = bench.app.simulation!.clusterControl;
  const names = Array.from({ length: options.clusters }, (_, i) => `bench-fleet-${String(i).padStart(4, "0")}`);
  const addStarted = Date.now();
  const fleet = await addClusters(bench, names);
  const added = Date.now() - addStarted;
  const drifted: ManagedCluster[] = fleet
    .filter((_, i) => i % Math.floor(options.clusters / options.needingAction) === 0)
    .slice(0, options.needingAction);
  for (const cluster of drifted) {
    const reply = await bench.call("POST", `/api/dev/clusters/${cluster.name}/local-accounts`, {
      json: { enabled: true },
    });
    if (reply.status !== 200) throw new Error(`out-of-band enable of ${cluster.name} → ${reply.status}`);
  }
  await sleep(INVENTORY_LAG_MS);
  const { clusters: listed, fleet: settings } = bench.app.config;
  const query = {
    listed,
    tag: settings.tag,
    subscriptions: fleetSubscriptions(listed, settings.subscriptions),
    tagSubscriptions: settings.subscriptions,
  };
  const fleetQueryTimes: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    await control.observe(query);
    fleetQueryTimes.push(performance.now() - started);
  }
  // Clusters break-glass opened or closed within the lag bound (the earlier rows' windows) are
  // confirmed with one GET each, by design (docs/design.md §12.2): they count as needing a call.
  const recent = await recentlyTouched(bench);
  const before = await bench.hostCalls();
  const started = performance.now();
  await bench.runTimer("watchdog");
  const wall = performance.now() - started;
  const after = await bench.hostCalls();
  const calls = {
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    fleetQueries: after.fleetQueries - before.fleetQueries,
  };
  const relocked = await Promise.all(drifted.map(async (cluster) => !(await localAccountsEnabled(bench, cluster))));
  const total = options.clusters + bench.app.config.clusters.length;
  const armCalls = calls.reads + calls.writes;
  const fleetQuery = median(fleetQueryTimes);
  return [
    {
      name: `watchdog round over ${total} clusters, ${drifted.length} enabled out of band: ARM calls`,
      measured: `${calls.fleetQueries} fleet queries, ${calls.reads} reads, ${calls.writes} writes`,
      baseline: `${drifted.length} need action (≤ ${CALLS_PER_ACTION} calls each), ${recent} touched by break-glass within ${ARG_LAG_BOUND_MS / 60_000} min (1 GET each)`,
      value: armCalls,
      unit: "ARM calls",
      goal: {
        kind: "at-most",
        of: "value",
        bound: CALLS_PER_ACTION * drifted.length + recent,
        text: `≤ 2 queries + ≤ ${CALLS_PER_ACTION} calls per cluster needing action + 1 per recently touched`,
      },
      checks: [
        { ok: calls.fleetQueries <= 2, what: `O(1) fleet queries (${calls.fleetQueries})` },
        {
          ok: relocked.every(Boolean),
          what: `the clusters enabled out of band locked by the round (${relocked.filter(Boolean).length}/${relocked.length})`,
        },
      ],
    },
    {
      name: `watchdog round over ${total} clusters: wall time (${options.clusters} added in ${ms(added)})`,
      measured: ms(wall),
      baseline: `the fleet query alone ${ms(fleetQuery)} median`,
      ratio: wall / fleetQuery,
      value: Math.round(wall),
      goal: { kind: "at-most", of: "value", bound: 10_000, text: "≤ 10 s" },
    },
  ];
}

/** Clusters whose registry says break-glass enabled them or closed a window there within the lag bound. */
async function recentlyTouched(bench: Bench): Promise<number> {
  const now = Date.now();
  const within = (at: string | undefined) => at !== undefined && now - Date.parse(at) <= ARG_LAG_BOUND_MS;
  const registered = await bench.app.registry.list(() => undefined);
  return registered.filter(({ windows }) => within(windows.enabledSince) || within(windows.closedAt)).length;
}
