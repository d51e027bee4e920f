// What a group watch run is asked to do and what it reports: the shapes that travel between the
// trigger (timer or Graph notification), the workflow that runs the watch, and the run itself.
import { type OutcomeCode } from "./codes.js";

/** Graph's lifecycle notifications about a change-notification subscription. */
export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

export interface GroupWatchInput {
  readonly trigger: "timer" | "notification";
  /** Lifecycle notifications from Graph, by subscription id. */
  readonly lifecycle?: readonly { readonly event: LifecycleEvent; readonly subscriptionId: string }[];
}

/** What one run found in one group. */
export interface GroupWatchResult {
  readonly group: string;
  readonly added: number;
  readonly removed: number;
  /** The code of the failure that stopped the run in this group. */
  readonly error?: OutcomeCode;
}

export interface GroupWatchReport {
  readonly trigger: GroupWatchInput["trigger"];
  readonly groups: readonly GroupWatchResult[];
  readonly findings: number;
  readonly subscriptions: readonly string[];
}
