// What the watchdog's round does with each cluster (docs/design.md §12.2): from what the inventory
// (Resource Graph) saw, what the window registry holds and what the watchdog last alerted, decide
// whether the cluster needs one ARM read this round or none. Resource Graph lags ARM, so its word
// only ever saves a read: nothing is written on it — every write follows a fresh ARM read.
import type { DriftAction } from "./modes.js";
import { overdueWindows, type ClusterWindows } from "./windows.js";

/**
 * How far behind ARM Resource Graph is taken to be at most. Microsoft documents seconds to a few
 * minutes for a change to reach it; a quarter of an hour leaves room for a slow day and is still
 * shorter than a window's shortest life plus the watchdog's grace.
 */
export const ARG_LAG_BOUND_MS = 15 * 60_000;

/** What the inventory saw of a cluster (a ClusterObservation, as far as the round cares). */
export interface SeenCluster {
  readonly localAccounts: "enabled" | "disabled";
  readonly entraIntegration: boolean;
}

export interface ClusterFacts {
  /** The inventory's row; `not-seen` when it answered without this cluster; `unknown` when it could not be asked. */
  readonly seen: SeenCluster | "not-seen" | "unknown";
  readonly windows: ClusterWindows;
  /** The lasting condition last alerted (watchdog memory), if any. */
  readonly remembered: string | undefined;
  /** False for a cluster known only from the registry: no longer listed nor tagged, windows still there. */
  readonly managed: boolean;
}

export interface RoundSettings {
  readonly driftAction: DriftAction;
  /** How late a window may be before the watchdog prunes it. */
  readonly graceMs: number;
  readonly lagBoundMs: number;
}

/** Why a cluster is read through ARM this round. */
export type ConfirmReason =
  | "inventory-unavailable"
  | "window-overdue"
  | "lock-owed"
  | "not-seen"
  | "condition-changed"
  | "seen-enabled"
  | "recently-enabled";

export type ClusterPlan =
  | { readonly kind: "confirm"; readonly reason: ConfirmReason }
  /** No call: what the round reports for the cluster stays what it was. */
  | { readonly kind: "skip"; readonly action: "none" | "drift-alerted"; readonly condition?: string };

const confirm = (reason: ConfirmReason): ClusterPlan => ({ kind: "confirm", reason });
const skip = (condition?: string): ClusterPlan =>
  condition === "drift"
    ? { kind: "skip", action: "drift-alerted", condition }
    : { kind: "skip", action: "none", ...(condition ? { condition } : {}) };

/** The lasting condition an ARM read would find if ARM said what the inventory saw (the order watchCluster checks in). */
function suggestedCondition(seen: SeenCluster, facts: ClusterFacts, settings: RoundSettings): string | undefined {
  if (!seen.entraIntegration) return "entra-integration-off";
  const drift = seen.localAccounts === "enabled" && facts.windows.windows.length === 0;
  return drift && settings.driftAction === "alert" ? "drift" : undefined;
}

const withinLag = (at: string | undefined, now: Date, settings: RoundSettings) =>
  at !== undefined && now.getTime() - Date.parse(at) <= settings.lagBoundMs;

interface Rule {
  /** What the rule is about (tests name the rule that decided). */
  readonly name: string;
  readonly plan: (facts: ClusterFacts, settings: RoundSettings, now: Date) => ClusterPlan | undefined;
}

/** In order; the first rule that plans decides. When none does (seen disabled, no window, nothing recent): no call. */
export const ROUND_RULES: readonly Rule[] = [
  { name: "inventory unavailable", plan: (f) => (f.seen === "unknown" ? confirm("inventory-unavailable") : undefined) },
  {
    name: "overdue window",
    plan: (f, s, now) => (overdueWindows(f.windows, now, s.graceMs).length ? confirm("window-overdue") : undefined),
  },
  {
    // In the round only while it has windows or an unfinished lock (docs/design.md §12.2).
    name: "no longer in the fleet",
    plan: (f) => (f.managed ? undefined : f.windows.windows.length ? skip() : confirm("lock-owed")),
  },
  {
    // Before anything the inventory or the memory says: a row may predate the product's own enable,
    // and a remembered condition (a cluster missing, say) may be from before it too (§12.2).
    name: "no window, enabled or closed by the product within the lag bound",
    plan: (f, s, now) =>
      !f.windows.windows.length && (withinLag(f.windows.enabledSince, now, s) || withinLag(f.windows.closedAt, now, s))
        ? confirm("recently-enabled")
        : undefined,
  },
  {
    name: "not seen by the inventory",
    plan: (f) =>
      f.seen !== "not-seen" ? undefined : f.remembered === "cluster-missing" ? skip(f.remembered) : confirm("not-seen"),
  },
  {
    name: "condition changed",
    plan: (f, s) =>
      typeof f.seen === "object" && suggestedCondition(f.seen, f, s) !== f.remembered
        ? confirm("condition-changed")
        : undefined,
  },
  { name: "condition persists", plan: (f) => (f.remembered ? skip(f.remembered) : undefined) },
  { name: "window open", plan: (f) => (f.windows.windows.length ? skip() : undefined) },
  {
    name: "seen enabled, no window",
    plan: (f) =>
      typeof f.seen === "object" && f.seen.localAccounts === "enabled" ? confirm("seen-enabled") : undefined,
  },
];

/** What the round does with one cluster at `now`. */
export function planCluster(facts: ClusterFacts, settings: RoundSettings, now: Date): ClusterPlan {
  for (const rule of ROUND_RULES) {
    const plan = rule.plan(facts, settings, now);
    if (plan) return plan;
  }
  return skip();
}
