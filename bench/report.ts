// The benchmark's table (docs/design.md §14): one row per measurement, with the baseline measured
// in the same run, their ratio (or a count) and the goal, judged. Ratios travel between machines;
// milliseconds alone do not. Pure: the runner measures, this formats and records.

/** How a row is judged: a ratio or a value against a bound, a count that must be exact, or nothing. */
export type Goal =
  | { readonly kind: "at-most"; readonly of: "ratio" | "value"; readonly bound: number; readonly text: string }
  | { readonly kind: "exactly"; readonly expected: number; readonly text: string }
  | { readonly kind: "none" };

export interface Row {
  readonly name: string;
  /** The measurement, as shown (e.g. "412 ms p50"). */
  readonly measured: string;
  /** The baseline measured in the same run, as shown; "—" when the row has none. */
  readonly baseline: string;
  /** measured ÷ baseline, when both are times of the same kind. */
  readonly ratio?: number;
  /** The judged value when it is not the ratio: a time in ms, or a count. */
  readonly value?: number;
  /** What the value counts, shown after it ("ms beyond ARM", "writes"). */
  readonly unit?: string;
  readonly goal: Goal;
  /** False when the run itself saw something wrong (a cluster left enabled, a trail that does not verify). */
  readonly checks?: readonly { readonly ok: boolean; readonly what: string }[];
}

export type Verdict = "pass" | "FAIL" | "—";

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The nearest-rank percentile; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function ratio(measured: number, baseline: number): number {
  return baseline > 0 ? measured / baseline : NaN;
}

export function verdict(row: Row): Verdict {
  if (row.checks?.some((check) => !check.ok)) return "FAIL";
  const goal = row.goal;
  if (goal.kind === "none") return row.checks?.length ? "pass" : "—";
  const judged = goal.kind === "exactly" || goal.of === "value" ? row.value : row.ratio;
  if (judged === undefined || Number.isNaN(judged)) return "FAIL";
  const met = goal.kind === "exactly" ? judged === goal.expected : judged <= goal.bound;
  return met ? "pass" : "FAIL";
}

export function ms(value: number): string {
  if (Number.isNaN(value)) return "n/a";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

function shownRatio(row: Row): string {
  if (row.ratio !== undefined) return Number.isNaN(row.ratio) ? "n/a" : `${row.ratio.toFixed(2)}×`;
  if (row.value === undefined) return "—";
  return row.unit ? `${row.value} ${row.unit}` : String(row.value);
}

function goalText(goal: Goal): string {
  return goal.kind === "none" ? "—" : goal.text;
}

const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The table in Markdown (readable as plain text too), with each failed check under it. */
export function formatTable(rows: readonly Row[]): string {
  const header = ["measurement", "measured", "baseline (same run)", "ratio / count", "goal", "verdict"];
  const lines = [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map(
      (row) =>
        `| ${[row.name, row.measured, row.baseline, shownRatio(row), goalText(row.goal), verdict(row)]
          .map(escapeCell)
          .join(" | ")} |`,
    ),
  ];
  const failed = rows.flatMap((row) =>
    (row.checks ?? []).filter((check) => !check.ok).map((check) => `- ${row.name}: ${check.what}`),
  );
  return [...lines, ...(failed.length ? ["", "Failed checks:", ...failed] : [])].join("\n");
}

export interface Machine {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly platform: string;
  /** Anything of the run a reader must know to compare (quick mode, sizes). */
  readonly notes?: readonly string[];
}

export const RESULTS_TITLE = "# Benchmark results";
const RUN_HEADING = "## Run of ";
const PREVIOUS_HEADING = "## Previous run: ";

/** One recorded run: its heading, the machine, then the table. */
export function formatRun(machine: Machine, rows: readonly Row[], heading = RUN_HEADING): string {
  return [
    `${heading}${machine.date}`,
    "",
    `Node ${machine.node} · ${machine.cpus} × ${machine.cpuModel} · ${machine.platform}`,
    ...(machine.notes ?? []).map((note) => `· ${note}`),
    "",
    formatTable(rows),
  ].join("\n");
}

/**
 * bench/results.md after a recorded run: the new run first, the run recorded before it below (so
 * that a change is compared with the last recorded run), and nothing older — git keeps the rest.
 */
export function recordRun(existing: string | undefined, machine: Machine, rows: readonly Row[]): string {
  const previous = existing === undefined ? undefined : lastRunOf(existing);
  return [
    RESULTS_TITLE,
    "",
    "Written by `npm run bench -- --record` (docs/design.md §14): the latest run, then the one recorded before it.",
    "",
    formatRun(machine, rows),
    ...(previous ? ["", previous] : []),
    "",
  ].join("\n");
}

/** The latest run of a results file, re-headed as the previous one. */
function lastRunOf(text: string): string | undefined {
  const start = text.indexOf(RUN_HEADING);
  if (start < 0) return undefined;
  const end = text.indexOf(PREVIOUS_HEADING, start);
  const run = (end < 0 ? text.slice(start) : text.slice(start, end)).trim();
  return PREVIOUS_HEADING + run.slice(RUN_HEADING.length);
}
