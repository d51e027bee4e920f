// npm run bench: every measurement of docs/design.md §14 in one run, each beside its baseline
// measured in the same run, printed as one table; `-- --record` also writes it to bench/results.md
// (the previous recorded run kept below it); `-- --quick` runs every row at toy sizes, to check
// that the runner works (its numbers mean nothing). Progress goes to stderr, the table to stdout.
// Exit 0 when every row was measured, whatever the verdicts; 1 when a row could not be measured.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { cpus, platform, release } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { auditVerifyRow } from "./auditVerify.js";
import { coldImportRow } from "./coldImport.js";
import { concurrencyRow } from "./concurrency.js";
import { latencyRows } from "./latency.js";
import { formatTable, recordRun, type Machine, type Row } from "./report.js";
import { routineRows } from "./routine.js";
import { watchdogRows } from "./watchdogRound.js";
import { benchEnvironment, BURST_CLUSTERS, clusterNamed, startBench } from "./world.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const RESULTS_FILE = resolve(root, "bench/results.md");

export interface Sizes {
  readonly coldRuns: number;
  readonly windows: number;
  readonly clusters: number;
  readonly windowsPerCluster: number;
  readonly windowDuration: string;
  readonly trailEntries: number;
  readonly verifyRuns: number;
  readonly fleet: number;
  readonly needingAction: number;
  readonly routineRuns: number;
}

export const FULL: Sizes = {
  coldRuns: 9,
  windows: 5,
  clusters: 10,
  windowsPerCluster: 10,
  windowDuration: "PT30S",
  trailEntries: 10_000,
  verifyRuns: 3,
  fleet: 1_000,
  needingAction: 5,
  routineRuns: 20,
};

export const QUICK: Sizes = {
  coldRuns: 1,
  windows: 1,
  clusters: 2,
  windowsPerCluster: 2,
  windowDuration: "PT2S",
  trailEntries: 20,
  verifyRuns: 1,
  fleet: 10,
  needingAction: 2,
  routineRuns: 2,
};

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** A row that could not be measured: shown as such, and failed. */
function failedRow(name: string, error: unknown): Row {
  const message = error instanceof Error ? error.message : String(error);
  return {
    name,
    measured: "not measured",
    baseline: "—",
    goal: { kind: "none" },
    checks: [{ ok: false, what: message }],
  };
}

async function measure(rows: Row[], name: string, work: () => Promise<Row | Row[]>): Promise<void> {
  progress(`${name} …`);
  const started = Date.now();
  try {
    rows.push(...[await work()].flat());
  } catch (error) {
    rows.push(failedRow(name, error));
  }
  progress(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Every row, in an order that keeps each one's world small: the 1,000-cluster fleet comes last. */
export async function runRows(sizes: Sizes): Promise<Row[]> {
  const rows: Row[] = [];
  await measure(rows, "cold import", () =>
    coldImportRow({
      root,
      runs: sizes.coldRuns,
      env: { ...process.env, ...benchEnvironment(7071, "UseDevelopmentStorage=true") },
    }),
  );
  progress("starting Azurite and the offline host");
  const bench = await startBench();
  try {
    const clusters = BURST_CLUSTERS.slice(0, sizes.clusters).map(clusterNamed);
    await measure(rows, "group watch and GET /api/clusters", () => routineRows(bench, sizes.routineRuns));
    await measure(rows, "approval and deadline latency", () => latencyRows(bench, sizes.windows));
    await measure(rows, "concurrent windows", () =>
      concurrencyRow(bench, clusters, { perCluster: sizes.windowsPerCluster, duration: sizes.windowDuration }),
    );
    await measure(rows, "audit verify", () => auditVerifyRow(bench, sizes.trailEntries, sizes.verifyRuns));
    await measure(rows, "watchdog round", () =>
      watchdogRows(bench, { clusters: sizes.fleet, needingAction: sizes.needingAction }),
    );
  } finally {
    await bench.stop();
  }
  return rows;
}

export function machine(notes: readonly string[]): Machine {
  const cpu = cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    node: process.version,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    platform: `${platform()} ${release()}`,
    notes,
  };
}

async function main(args: readonly string[]): Promise<number> {
  const quick = args.includes("--quick");
  const record = args.includes("--record");
  const unknown = args.filter((arg) => !["--quick", "--record"].includes(arg));
  if (unknown.length) {
    console.error(`usage: npm run bench -- [--record] [--quick]; not understood: ${unknown.join(" ")}`);
    return 2;
  }
  const rows = await runRows(quick ? QUICK : FULL);
  const notes = quick ? ["--quick: toy sizes, the numbers mean nothing"] : [];
  console.log(formatTable(rows));
  if (record) {
    const existing = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, "utf8") : undefined;
    writeFileSync(RESULTS_FILE, recordRun(existing, machine(notes), rows));
    progress(`recorded in ${RESULTS_FILE}`);
  }
  return rows.some((row) => row.measured === "not measured") ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
