// Row 6: what the old vitest bench measured of the everyday paths, now through the offline host:
// a group-watch run with nothing changed (two delta queries, the policy check, its audit entry)
// against one simulated ARM read on the same Azurite, and GET /api/clusters against the host's
// own answer to a route no function serves (the HTTP round trip with no app work).
import { median, ms, ratio, type Row } from "./report.js";
import { clusterNamed, type Bench } from "./world.js";

async function timed(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs + 2; run++) {
    const started = performance.now();
    await work();
    if (run >= 2) times.push(performance.now() - started); // two warm-up runs
  }
  return times;
}

function row(name: string, measured: number[], baselineName: string, baseline: number[]): Row {
  const [m, b] = [median(measured), median(baseline)];
  return {
    name,
    measured: `${ms(m)} median of ${measured.length}`,
    baseline: `${baselineName} ${ms(b)} median`,
    ratio: ratio(m, b),
    goal: { kind: "none" },
  };
}

export async function routineRows(bench: Bench, runs: number): Promise<Row[]> {
  const alice = await bench.token("alice@contoso.dev");
  const clusters = bench.app.simulation!.clusterControl;
  const weu = clusterNamed("aks-prod-weu");
  const armRead = await timed(runs, () => clusters.read(weu));
  const groupWatch = await timed(runs, () => bench.app.groupWatch.run());
  const listed = await timed(runs, async () => {
    const reply = await bench.call("GET", "/api/clusters", { token: alice });
    if (reply.status !== 200) throw new Error(`GET /api/clusters → ${reply.status}`);
  });
  const hostOnly = await timed(runs, () => bench.call("GET", "/api/no-such-route"));
  return [
    row("a group-watch run, nothing changed", groupWatch, "one simulated ARM read", armRead),
    row("GET /api/clusters", listed, "the host's own 404", hostOnly),
  ];
}
