// The benchmark runner's own arithmetic and recording (bench/report.ts, bench/concurrency.ts):
// npm test never runs the benchmark, so this is what keeps its verdicts and bench/results.md honest.
import { describe, expect, it } from "vitest";
import { burstsOf } from "../../../bench/concurrency.js";
import { formatTable, median, percentile, recordRun, verdict, type Machine, type Row } from "../../../bench/report.js";

const ratioRow = (ratio: number): Row => ({
  name: "cold import",
  measured: "400 ms",
  baseline: "300 ms",
  ratio,
  goal: { kind: "at-most", of: "ratio", bound: 1.3, text: "≤ 1.30×" },
});

const machine = (date: string): Machine => ({
  date,
  node: "v22.23.5",
  cpus: 2,
  cpuModel: "Test CPU",
  platform: "linux",
});

describe("the benchmark's table", () => {
  it("takes the median and the nearest-rank percentile, whatever the order", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(percentile([10, 20, 30, 40], 95)).toBe(40);
    expect(median([])).toBeNaN();
  });

  it("judges a ratio, a value and an exact count against the goal, and fails a row whose check failed", () => {
    expect(verdict(ratioRow(1.3))).toBe("pass");
    expect(verdict(ratioRow(1.31))).toBe("FAIL");
    expect(verdict(ratioRow(NaN))).toBe("FAIL");
    const value: Row = {
      name: "deadline",
      measured: "x",
      baseline: "y",
      ratio: 9, // not what this goal judges
      value: 240,
      goal: { kind: "at-most", of: "value", bound: 250, text: "≤ 250 ms" },
    };
    expect(verdict(value)).toBe("pass");
    expect(verdict({ ...value, value: 251 })).toBe("FAIL");
    const count: Row = {
      name: "writes",
      measured: "",
      baseline: "",
      value: 20,
      goal: { kind: "exactly", expected: 20, text: "" },
    };
    expect(verdict(count)).toBe("pass");
    expect(verdict({ ...count, value: 21 })).toBe("FAIL");
    expect(verdict({ ...count, checks: [{ ok: false, what: "a cluster left enabled" }] })).toBe("FAIL");
    expect(verdict({ ...count, goal: { kind: "none" } })).toBe("—");
  });

  it("prints one row per measurement with ratio, goal and verdict, and lists failed checks under the table", () => {
    const table = formatTable([
      ratioRow(1.337),
      { ...ratioRow(1), name: "a | b", checks: [{ ok: false, what: "trail broken" }] },
    ]);
    const lines = table.split("\n");
    expect(lines[0]).toBe("| measurement | measured | baseline (same run) | ratio / count | goal | verdict |");
    expect(lines[2]).toBe("| cold import | 400 ms | 300 ms | 1.34× | ≤ 1.30× | FAIL |");
    expect(lines[3]).toContain("| a \\| b |");
    expect(table).toContain("Failed checks:\n- a | b: trail broken");
  });

  it("records the new run above the last recorded one, and drops the one before that", () => {
    const first = recordRun(undefined, machine("2026-12-01T10:00:00Z"), [ratioRow(1.1)]);
    expect(first).toContain("## Run of 2026-12-01T10:00:00Z");
    expect(first).toContain("Node v22.23.5 · 2 × Test CPU · linux");
    expect(first).not.toContain("Previous run");
    const second = recordRun(first, machine("2026-12-02T10:00:00Z"), [ratioRow(1.2)]);
    const third = recordRun(second, machine("2026-12-03T10:00:00Z"), [ratioRow(1.25)]);
    expect(third.indexOf("## Run of 2026-12-03T10:00:00Z")).toBeLessThan(
      third.indexOf("## Previous run: 2026-12-02T10:00:00Z"),
    );
    expect(third).toContain("1.25×");
    expect(third).toContain("1.20×");
    expect(third).not.toContain("2026-12-01");
    expect(third.match(/^# Benchmark results$/gm)).toHaveLength(1);
  });
});

describe("overlapping bursts of windows", () => {
  it("counts windows that overlap, or touch a longer one, as one burst", () => {
    expect(burstsOf([])).toBe(0);
    expect(
      burstsOf([
        [0, 10],
        [2, 4],
        [5, 12],
      ]),
    ).toBe(1);
    expect(
      burstsOf([
        [20, 30],
        [0, 10],
        [11, 15],
      ]),
    ).toBe(3);
  });
});
