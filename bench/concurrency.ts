// Row 3: 100 windows at once on 10 listed clusters (world.ts BURST_CLUSTERS), over HTTP through the offline
// host: every request created at once, every approval sent at once. At the end every cluster must
// be locked, the simulated ARM must have written the switch exactly twice per cluster per burst of
// overlapping windows (one enable, one disable: the row's own localAccountWrites counter and the
// host's count of its writes, GET /api/dev/calls, agree), and every request's trail must be whole and verify.
import type { ManagedCluster } from "../src/domain/clusters.js";
import { median, ms, type Row } from "./report.js";
import { addResponders, inParallel, localAccountsEnabled, until, type Bench } from "./world.js";

interface Window {
  readonly id: string;
  readonly cluster: ManagedCluster;
}

interface Settled {
  readonly status: string;
  readonly window?: { readonly openedAt: string; readonly closedAt?: string | null };
}

/** Merged overlapping [openedAt, closedAt] intervals: the bursts one enable and one disable should cover. */
export function burstsOf(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let bursts = 0;
  let end = -Infinity;
  for (const [start, stop] of sorted) {
    if (start > end) bursts++;
    end = Math.max(end, stop);
  }
  return bursts;
}

async function create(
  bench: Bench,
  token: string,
  cluster: ManagedCluster,
  n: number,
  duration: string,
): Promise<string> {
  const reply = await bench.call("POST", "/api/requests", {
    token,
    json: { cluster: cluster.id, justification: `benchmark window ${n}`, ticket: "BENCH-3", duration },
  });
  if (reply.status !== 202) throw new Error(`POST /api/requests → ${reply.status} ${JSON.stringify(reply.body)}`);
  return (reply.body as { id: string }).id;
}

async function trailOf(bench: Bench, token: string, id: string) {
  const [trail, verdict] = await Promise.all([
    bench.call("GET", `/api/audit?requestId=${id}`, { token }),
    bench.call("GET", `/api/audit/verify?requestId=${id}`, { token }),
  ]);
  const entries = (trail.body as { entries: { sequence: number; type: string }[] }).entries;
  const whole = entries.every((entry, index) => entry.sequence === index);
  const types = new Set(entries.map((entry) => entry.type));
  return {
    whole: whole && ["requested", "approved", "opened", "closed"].every((type) => types.has(type)),
    verifies: (verdict.body as { ok?: boolean }).ok === true,
  };
}

export interface Burst {
  readonly perCluster: number;
  /** Long enough that every window of a cluster overlaps the others while the approvals arrive. */
  readonly duration: string;
}

/** Every request created at once, then every approval sent at once; then waits until all are closed. */
async function burst(bench: Bench, clusters: readonly ManagedCluster[], { perCluster, duration }: Burst) {
  const responders = await addResponders(bench, "bench-responder", perCluster);
  const tokens = await inParallel(responders, 4, (upn) => bench.token(upn));
  const bob = await bench.token("bob@contoso.dev");
  const plan = clusters.flatMap((cluster) => Array.from({ length: perCluster }, () => cluster));
  const windows: Window[] = await Promise.all(
    plan.map(async (cluster, n) => ({
      id: await create(bench, tokens[n % perCluster]!, cluster, n, duration),
      cluster,
    })),
  );
  const approvalsSent = Date.now();
  const approvals = await Promise.all(
    windows.map((w) => bench.call("POST", `/api/requests/${w.id}/approve`, { token: bob })),
  );
  const settled = new Map<string, Settled>();
  await until(
    async () => {
      const open = windows.filter((w) => settled.get(w.id)?.status !== "closed");
      await inParallel(open, 10, async (w) => {
        settled.set(w.id, (await bench.call("GET", `/api/requests/${w.id}`, { token: bob })).body as Settled);
      });
      return windows.every((w) => settled.get(w.id)?.status === "closed");
    },
    "every window closed",
    600_000,
    500,
  );
  const windowOf = (w: Window) => settled.get(w.id)!.window!;
  return { windows, approvals, approvalsSent, windowOf, bob };
}

export async function concurrencyRow(bench: Bench, clusters: readonly ManagedCluster[], shape: Burst): Promise<Row> {
  const control = bench.app.simulation!.clusterControl;
  const writesBefore = await Promise.all(clusters.map((cluster) => control.localAccountWrites(cluster)));
  const callsBefore = (await bench.hostCalls()).writes;
  const started = Date.now();
  const { windows, approvals, approvalsSent, windowOf, bob } = await burst(bench, clusters, shape);
  const elapsed = Date.now() - started;
  // How long after the approvals each window opened: contenders for a cluster's lease wait their turn.
  const opening = windows.map((w) => Date.parse(windowOf(w).openedAt) - approvalsSent);
  const writesAfter = await Promise.all(clusters.map((cluster) => control.localAccountWrites(cluster)));
  const bursts = clusters.map((cluster) =>
    burstsOf(
      windows
        .filter((w) => w.cluster === cluster)
        .map(windowOf)
        .map((window) => [Date.parse(window.openedAt), Date.parse(window.closedAt ?? window.openedAt)] as const),
    ),
  );
  const expected = bursts.reduce((sum, n) => sum + 2 * n, 0);
  const written = writesAfter.reduce((sum, after, i) => sum + after - writesBefore[i]!, 0);
  const calls = (await bench.hostCalls()).writes - callsBefore;
  const locked = await Promise.all(clusters.map(async (cluster) => !(await localAccountsEnabled(bench, cluster))));
  const trails = await inParallel(windows, 10, (w) => trailOf(bench, bob, w.id));
  const all = (oks: readonly boolean[], what: string) => ({
    ok: oks.every(Boolean),
    what: `${what} (${oks.filter(Boolean).length}/${oks.length})`,
  });
  return {
    name: `${windows.length} concurrent windows on ${clusters.length} clusters over HTTP: ARM writes of the switch`,
    measured:
      `approval → open ${ms(median(opening))} p50, ${ms(Math.max(...opening))} max; all closed ${ms(elapsed)} ` +
      `after the first request; ${written} writes (calls counted ${calls})`,
    baseline: `${bursts.reduce((a, b) => a + b, 0)} overlapping bursts → ${expected} expected`,
    value: written,
    unit: "writes",
    goal: { kind: "exactly", expected, text: "1 enable + 1 disable per cluster per burst" },
    checks: [
      all(
        approvals.map((reply) => reply.status === 202),
        "every approval answered 202",
      ),
      all(
        clusters.map((_, i) => writesAfter[i]! - writesBefore[i]! === 2 * bursts[i]!),
        "each cluster: 2 writes per overlapping burst",
      ),
      { ok: written === calls, what: "the rows' write counters and the host's count agree" },
      all(locked, "every cluster locked at the end"),
      all(
        trails.map((t) => t.whole),
        "no lost audit rows: every trail whole",
      ),
      all(
        trails.map((t) => t.verifies),
        "every trail verifies",
      ),
    ],
  };
}
