// Row 2: how late the product acts, seen from outside, beyond what the simulated ARM itself costs.
// Approval → enabled: from sending POST /approve to the first poll that reads local accounts
// enabled on the simulated cluster. Deadline → disabled: from the window's closesAt to the first
// poll that reads them disabled. The baseline is the simulated ARM's own read + write round trip on
// the same Azurite (what the enable and lock activities each do once); the goal is on what remains.
// The offline host looks for due durable timers every 250 ms, so a deadline is seen up to 250 ms
// late by construction; polling every few ms adds at most one poll (docs/design.md §14).
import type { ManagedCluster } from "../src/domain/clusters.js";
import { median, ms, type Row } from "./report.js";
import { clusterNamed, localAccountsEnabled, until, type Bench } from "./world.js";

const POLL_MS = 5;

/** The simulated ARM's read + conditional write of the switch, on a cluster no one manages. */
export async function armRoundTrip(bench: Bench, runs: number): Promise<number[]> {
  const clusters = bench.app.simulation!.clusterControl;
  const probe = clusterNamed("bench-arm-probe");
  await clusters.addCluster(probe, {});
  const times: number[] = [];
  for (let run = 0; run < runs + 2; run++) {
    const started = performance.now();
    const read = await clusters.read(probe);
    if (read.kind !== "found") throw new Error("the ARM probe cluster is missing");
    await clusters.setLocalAccounts(probe, read.state.localAccounts === "disabled", read.state.etag);
    if (run >= 2) times.push(performance.now() - started); // the first two warm the connection
  }
  return times;
}

interface WindowTimings {
  readonly toEnabled: number;
  readonly toDisabled: number;
}

async function oneWindow(bench: Bench, cluster: ManagedCluster, alice: string, bob: string): Promise<WindowTimings> {
  const created = await bench.call("POST", "/api/requests", {
    token: alice,
    json: { cluster: cluster.id, justification: "benchmark", ticket: "BENCH-2", duration: "PT2S" },
  });
  if (created.status !== 202) throw new Error(`POST /api/requests → ${created.status} ${JSON.stringify(created.body)}`);
  const { id } = created.body as { id: string };
  const status = async () => (await bench.call("GET", `/api/requests/${id}`, { token: bob })).body as RequestView;
  // Approve once its workflow waits for approvals (its first entries are written), not before.
  await until(async () => (await status()).status === "pending-approval", "request pending", 10_000, 20);
  await until(async () => (await trailLength(bench, bob, id)) > 0, "the request's first audit entry", 10_000, 20);
  const approvedAt = Date.now();
  const approved = await bench.call("POST", `/api/requests/${id}/approve`, { token: bob });
  if (approved.status !== 202) throw new Error(`approve → ${approved.status} ${JSON.stringify(approved.body)}`);
  const enabledAt = await until(() => localAccountsEnabled(bench, cluster), "enabled", 10_000, POLL_MS);
  await until(async () => Boolean((await status()).window), "the window on the request", 10_000, 20);
  const closesAt = Date.parse((await status()).window!.closesAt);
  const disabledAt = await until(
    async () => !(await localAccountsEnabled(bench, cluster)),
    "disabled",
    15_000,
    POLL_MS,
  );
  await until(async () => (await status()).status === "closed", "closed", 15_000, 20);
  return { toEnabled: enabledAt - approvedAt, toDisabled: disabledAt - closesAt };
}

export async function trailLength(bench: Bench, token: string, id: string): Promise<number> {
  const reply = await bench.call("GET", `/api/audit?requestId=${id}`, { token });
  return reply.status === 200 ? (reply.body as { entries: unknown[] }).entries.length : 0;
}

interface RequestView {
  readonly status: string;
  readonly window?: { readonly closesAt: string };
}

export async function latencyRows(bench: Bench, windows: number): Promise<Row[]> {
  const arm = median(await armRoundTrip(bench, 15));
  const [alice, bob] = await Promise.all([bench.token("alice@contoso.dev"), bench.token("bob@contoso.dev")]);
  const cluster = clusterNamed("aks-prod-weu");
  const timings: WindowTimings[] = [];
  for (let window = 0; window < windows; window++) timings.push(await oneWindow(bench, cluster, alice, bob));
  const row = (name: string, values: number[], bound: number): Row => {
    const p50 = median(values);
    return {
      name,
      measured: `${ms(p50)} p50 of ${values.length} windows (${ms(Math.min(...values))}–${ms(Math.max(...values))})`,
      baseline: `simulated ARM read + write ${ms(arm)} median`,
      value: Math.round(p50 - arm),
      unit: "ms beyond ARM",
      goal: { kind: "at-most", of: "value", bound, text: `≤ ${ms(bound)} beyond ARM` },
    };
  };
  return [
    row(
      "approval → local accounts enabled, offline host, real time",
      timings.map((t) => t.toEnabled),
      250,
    ),
    row(
      "deadline → local accounts disabled (timer poll 250 ms)",
      timings.map((t) => t.toDisabled),
      1000,
    ),
  ];
}
