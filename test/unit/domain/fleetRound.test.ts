// What the watchdog's round does with each cluster (docs/design.md §12.2): one row per rule, and
// the rows that sit on either side of a rule's edge (the lag bound, the grace, a condition that
// persists or changes).
import { describe, expect, it } from "vitest";
import {
  ARG_LAG_BOUND_MS,
  planCluster,
  ROUND_RULES,
  type ClusterFacts,
  type ClusterPlan,
  type RoundSettings,
} from "../../../src/domain/fleetRound.js";
import type { ClusterWindows } from "../../../src/domain/windows.js";

const NOW = new Date("2026-11-28T12:00:00.000Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const GRACE = 2 * MINUTE;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const relock: RoundSettings = { driftAction: "relock", graceMs: GRACE, lagBoundMs: ARG_LAG_BOUND_MS };
const alert: RoundSettings = { ...relock, driftAction: "alert" };

const enabled = { localAccounts: "enabled", entraIntegration: true } as const;
const disabled = { localAccounts: "disabled", entraIntegration: true } as const;
const noEntra = { localAccounts: "disabled", entraIntegration: false } as const;
const none: ClusterWindows = { windows: [] };
const open: ClusterWindows = { windows: [{ requestId: "r1", closesAt: ago(-10 * MINUTE) }], enabledSince: ago(MINUTE) };
const overdue: ClusterWindows = { windows: [{ requestId: "r1", closesAt: ago(GRACE + 1) }], enabledSince: ago(HOUR) };
const withinGrace: ClusterWindows = { windows: [{ requestId: "r1", closesAt: ago(GRACE) }], enabledSince: ago(HOUR) };

const facts = (overrides: Partial<ClusterFacts>): ClusterFacts => ({
  seen: disabled,
  windows: none,
  remembered: undefined,
  managed: true,
  ...overrides,
});
const confirm = (reason: string): ClusterPlan => ({ kind: "confirm", reason }) as ClusterPlan;
const skip = (condition?: string): ClusterPlan =>
  condition === "drift"
    ? { kind: "skip", action: "drift-alerted", condition }
    : { kind: "skip", action: "none", ...(condition ? { condition } : {}) };

type Row = readonly [string, Partial<ClusterFacts>, RoundSettings, ClusterPlan];

const ROWS: readonly Row[] = [
  // The inventory cannot be asked: every known cluster is read, as before the fleet inventory.
  ["inventory unavailable", { seen: "unknown" }, relock, confirm("inventory-unavailable")],
  [
    "inventory unavailable, a condition remembered",
    { seen: "unknown", remembered: "cluster-missing" },
    relock,
    confirm("inventory-unavailable"),
  ],
  // Overdue windows are pruned and the cluster locked as before, whatever the inventory saw.
  ["overdue window, seen disabled", { windows: overdue }, relock, confirm("window-overdue")],
  ["overdue window, seen enabled", { seen: enabled, windows: overdue }, relock, confirm("window-overdue")],
  [
    "overdue window, not seen and remembered missing",
    { seen: "not-seen", windows: overdue, remembered: "cluster-missing" },
    relock,
    confirm("window-overdue"),
  ],
  ["a window late but within the grace", { seen: enabled, windows: withinGrace }, relock, skip()],
  // No longer listed nor tagged, windows still in the registry.
  [
    "untagged during a window, overdue",
    { seen: "not-seen", managed: false, windows: overdue },
    relock,
    confirm("window-overdue"),
  ],
  ["untagged during a window, still open", { seen: "not-seen", managed: false, windows: open }, relock, skip()],
  [
    "untagged, windows pruned, lock not finished",
    { seen: "not-seen", managed: false, windows: { windows: [], enabledSince: ago(HOUR) } },
    relock,
    confirm("lock-owed"),
  ],
  // The inventory did not return a managed cluster.
  ["not seen", { seen: "not-seen" }, relock, confirm("not-seen")],
  [
    "not seen, remembered missing",
    { seen: "not-seen", remembered: "cluster-missing" },
    relock,
    skip("cluster-missing"),
  ],
  [
    "not seen, remembered unreadable",
    { seen: "not-seen", remembered: "cluster-unreadable" },
    relock,
    confirm("not-seen"),
  ],
  // A remembered condition that differs from what the row suggests is confirmed before alerting or clearing.
  ["seen without Entra, nothing remembered", { seen: noEntra }, relock, confirm("condition-changed")],
  [
    "seen without Entra, remembered",
    { seen: noEntra, remembered: "entra-integration-off" },
    relock,
    skip("entra-integration-off"),
  ],
  [
    "seen without Entra, enabled, remembered",
    { seen: { ...enabled, entraIntegration: false }, remembered: "entra-integration-off" },
    relock,
    skip("entra-integration-off"),
  ],
  [
    "seen with Entra again, remembered off",
    { remembered: "entra-integration-off" },
    relock,
    confirm("condition-changed"),
  ],
  ["seen, remembered missing", { remembered: "cluster-missing" }, relock, confirm("condition-changed")],
  ["seen, remembered unreadable", { remembered: "cluster-unreadable" }, relock, confirm("condition-changed")],
  ["seen enabled, drift alerted before (alert)", { seen: enabled, remembered: "drift" }, alert, skip("drift")],
  ["seen enabled, drift not alerted yet (alert)", { seen: enabled }, alert, confirm("condition-changed")],
  ["seen disabled, drift remembered (alert)", { remembered: "drift" }, alert, confirm("condition-changed")],
  [
    "seen enabled in a window, drift remembered (alert)",
    { seen: enabled, windows: open, remembered: "drift" },
    alert,
    confirm("condition-changed"),
  ],
  [
    "seen enabled, drift remembered (relock)",
    { seen: enabled, remembered: "drift" },
    relock,
    confirm("condition-changed"),
  ],
  // A window is open: local accounts may be enabled; the workflow closes it, the grace guards it.
  ["window open, seen enabled", { seen: enabled, windows: open }, relock, skip()],
  ["window open, seen disabled", { windows: open }, relock, skip()],
  // No window: "enabled" is confirmed (ARM may already say disabled), "disabled" needs no call...
  ["no window, seen enabled", { seen: enabled }, relock, confirm("seen-enabled")],
  ["no window, seen disabled", {}, relock, skip()],
  // ...unless the product enabled local accounts, or closed a window, within the lag bound.
  [
    "no window, enabled by the product just now",
    { windows: { windows: [], enabledSince: ago(MINUTE) } },
    relock,
    confirm("recently-enabled"),
  ],
  [
    "no window, enabled at the lag bound",
    { windows: { windows: [], enabledSince: ago(ARG_LAG_BOUND_MS) } },
    relock,
    confirm("recently-enabled"),
  ],
  [
    "no window, enabled beyond the lag bound",
    { windows: { windows: [], enabledSince: ago(ARG_LAG_BOUND_MS + 1) } },
    relock,
    skip(),
  ],
  [
    "no window, one closed just now",
    { windows: { windows: [], closedAt: ago(MINUTE) } },
    relock,
    confirm("recently-enabled"),
  ],
  // Nor does a remembered condition outweigh a recent enable: it may be from before it.
  [
    "no window, one closed just now, not seen and remembered missing",
    { seen: "not-seen", windows: { windows: [], closedAt: ago(MINUTE) }, remembered: "cluster-missing" },
    relock,
    confirm("recently-enabled"),
  ],
  [
    "no window, enabled just now, a condition that persists by the row",
    { seen: noEntra, windows: { windows: [], enabledSince: ago(MINUTE) }, remembered: "entra-integration-off" },
    relock,
    confirm("recently-enabled"),
  ],
  [
    "no window, one closed beyond the lag bound",
    { windows: { windows: [], closedAt: ago(ARG_LAG_BOUND_MS + 1) } },
    relock,
    skip(),
  ],
];

describe("the watchdog's plan for one cluster", () => {
  it.each(ROWS)("%s", (_name, given, settings, expected) => {
    expect(planCluster(facts(given), settings, NOW)).toEqual(expected);
  });

  it("has a row for every rule (each rule decides at least one row)", () => {
    const decided = new Set(
      ROWS.map(([, given, settings]) => ROUND_RULES.find((rule) => rule.plan(facts(given), settings, NOW))?.name),
    );
    expect(ROUND_RULES.map((rule) => rule.name).filter((name) => !decided.has(name))).toEqual([]);
    expect(decided.has(undefined)).toBe(true); // and the fallback: seen disabled, nothing recent
  });
});
