// Row 5: GET /api/audit/verify of one request whose trail holds 10,000 entries, written through the
// real audit adapter (TableAuditLog: each entry and the moved head in one transaction), against the
// baseline of reading those rows alone through the same adapter from the same table. Memory is
// sampled every few ms while the verification runs (the host is in this process): the peak of the
// heap and of the resident set over what they were just before (after a GC when --expose-gc).
import { requestAuditEntry } from "../src/domain/auditChain.js";
import { median, ms, ratio, type Row } from "./report.js";
import { trailLength } from "./latency.js";
import { addResponders, clusterNamed, until, type Bench } from "./world.js";

const MB = 1024 * 1024;

interface Peak {
  readonly heapMb: number;
  readonly rssMb: number;
}

/** Runs `work` while sampling memory; its time and the peak growth of heap and RSS over the start. */
async function sampled<T>(work: () => Promise<T>): Promise<{ result: T; elapsed: number; peak: Peak }> {
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.memoryUsage();
  let heap = start.heapUsed;
  let rss = start.rss;
  const sample = setInterval(() => {
    const now = process.memoryUsage();
    heap = Math.max(heap, now.heapUsed);
    rss = Math.max(rss, now.rss);
  }, 5);
  const started = performance.now();
  try {
    const result = await work();
    const elapsed = performance.now() - started;
    const end = process.memoryUsage();
    heap = Math.max(heap, end.heapUsed);
    rss = Math.max(rss, end.rss);
    return { result, elapsed, peak: { heapMb: (heap - start.heapUsed) / MB, rssMb: (rss - start.rss) / MB } };
  } finally {
    clearInterval(sample);
  }
}

/** The real audit adapter on the app's tables (imported late: composition loads @azure/functions, see world.ts). */
async function auditAdapter(bench: Bench) {
  return (await import("../src/app/composition.js")).composeAuditStore(bench.app.config);
}

/** A pending request (nobody approves it), its trail grown to `size` entries through the audit adapter. */
async function longTrail(bench: Bench, size: number, alice: string, bob: string): Promise<string> {
  const created = await bench.call("POST", "/api/requests", {
    token: alice,
    json: { cluster: clusterNamed("aks-prod-neu").id, justification: "benchmark", ticket: "BENCH-5", duration: "PT2S" },
  });
  if (created.status !== 202) throw new Error(`POST /api/requests → ${created.status}`);
  const { id } = created.body as { id: string };
  // Its workflow writes "requested" and "approvers-notified", then waits for approvals for an hour.
  await until(async () => (await trailLength(bench, bob, id)) >= 2, "the long trail's first entries", 15_000, 50);
  const { audit } = await auditAdapter(bench);
  const head = await audit.readHead(id);
  if (!head) throw new Error("the long trail has no head");
  let prevHash = head.hash;
  for (let sequence = head.entries; sequence < size; sequence++) {
    const entry = requestAuditEntry(id, sequence, prevHash, {
      type: "event-ignored",
      at: new Date().toISOString(),
      actor: null,
      cluster: clusterNamed("aks-prod-neu").id,
      outcome: "info",
      details: { benchmark: sequence },
    });
    if ((await audit.append(entry)).kind !== "appended") throw new Error(`entry ${sequence} was not appended`);
    prevHash = entry.hash;
  }
  return id;
}

export async function auditVerifyRow(bench: Bench, size: number, runs: number): Promise<Row> {
  // A requester of its own: one may hold only one live request per cluster.
  const [requester] = await addResponders(bench, "bench-auditor", 1);
  const [asker, bob] = await Promise.all([bench.token(requester!), bench.token("bob@contoso.dev")]);
  const writeStarted = performance.now();
  const id = await longTrail(bench, size, asker, bob);
  const written = performance.now() - writeStarted;
  const { audit } = await auditAdapter(bench);
  const reads: number[] = [];
  const verifies: number[] = [];
  let peak: Peak = { heapMb: 0, rssMb: 0 };
  let verdict: { ok?: boolean; entries?: number } = {};
  for (let run = 0; run < runs; run++) {
    const read = await sampled(() => audit.readStream(id));
    if (read.result.length !== size) throw new Error(`read ${read.result.length} entries, not ${size}`);
    reads.push(read.elapsed);
    const verified = await sampled(() => bench.call("GET", `/api/audit/verify?requestId=${id}`, { token: bob }));
    verifies.push(verified.elapsed);
    verdict = verified.result.body as typeof verdict;
    peak = { heapMb: Math.max(peak.heapMb, verified.peak.heapMb), rssMb: Math.max(peak.rssMb, verified.peak.rssMb) };
  }
  const [verify, read] = [median(verifies), median(reads)];
  return {
    name: `GET /api/audit/verify of a ${size}-entry trail (written in ${ms(written)})`,
    measured: `${ms(verify)} median of ${runs}; peak +${peak.heapMb.toFixed(0)} MB heap, +${peak.rssMb.toFixed(0)} MB RSS`,
    baseline: `reading the ${size} rows alone ${ms(read)} median`,
    ratio: ratio(verify, read),
    value: Math.round(verify),
    goal: { kind: "at-most", of: "value", bound: 1_000, text: "≤ 1 s" },
    checks: [
      { ok: verdict.ok === true, what: `the trail verifies (${JSON.stringify(verdict).slice(0, 160)})` },
      { ok: verdict.entries === size, what: `the verdict counts ${size} entries` },
    ],
  };
}
