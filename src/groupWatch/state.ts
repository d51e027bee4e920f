// Each group's watch state (its delta link, the members last seen, and the alerts not yet
// delivered) is one document written with If-Match: a run that loses the race throws its findings
// away and looks again from the winner's state, so a change is found exactly once. Alerts are
// stored as pending in that same write and delivered afterwards, so a crash between finding and
// telling delays an alert (to the next run) but never loses it.
import type { GroupAlert, KnownMember } from "../domain/groups.js";
import type { Subscription } from "../ports/graphSubscriptions.js";

/** How long a run may take to deliver the alerts it found before another run delivers them instead. */
export const DELIVERY_CLAIM_MS = 2 * 60_000;
/** The key of the document that remembers policy findings. */
export const POLICY_DOCUMENT = "policy";

export interface PendingAlert {
  /** Stable across delivery attempts: the audit entry's key. */
  readonly id: string;
  readonly at: string;
  readonly alert: GroupAlert;
  /** Until then, the run that found it delivers it; afterwards, any run does. */
  readonly claimedUntil: string;
}

export interface GroupWatchState {
  readonly deltaLink?: string;
  readonly members?: readonly KnownMember[];
  readonly baselineAt?: string;
  /** When the group was last looked at (the stored name predates "group watch"; documents keep it). */
  readonly lastSyncAt?: string;
  /** Set while reading the group fails; the failure is alerted once. */
  readonly failingSince?: string;
  readonly subscription?: Subscription;
  /** Policy findings already alerted (the policy document only). */
  readonly findings?: readonly string[];
  readonly pending: readonly PendingAlert[];
}

export const NO_GROUP_WATCH_STATE: GroupWatchState = { pending: [] };

/** The pending alerts to store, and those of them this run delivers. */
export interface ClaimedAlerts {
  readonly pending: readonly PendingAlert[];
  readonly mine: readonly PendingAlert[];
}

/** New pending alerts, plus earlier ones whose finder did not deliver them in time, claimed for this run. */
export function claimAlerts(
  state: GroupWatchState,
  alerts: readonly GroupAlert[],
  now: Date,
  newId: () => string,
): ClaimedAlerts {
  const claimedUntil = new Date(now.getTime() + DELIVERY_CLAIM_MS).toISOString();
  const stale = state.pending
    .filter((pending) => Date.parse(pending.claimedUntil) <= now.getTime())
    .map((pending) => ({ ...pending, claimedUntil }));
  const fresh = alerts.map((alert) => ({ id: newId(), at: now.toISOString(), alert, claimedUntil }));
  const mine = new Set([...stale, ...fresh].map((pending) => pending.id));
  return {
    pending: [...state.pending.filter((pending) => !mine.has(pending.id)), ...stale, ...fresh],
    mine: [...stale, ...fresh],
  };
}

/** The state after a successful look at a group: a failure it was in is over. */
export function afterLook(
  state: GroupWatchState,
  look: { readonly deltaLink: string; readonly members: readonly KnownMember[] },
  at: string,
  pending: readonly PendingAlert[],
): GroupWatchState {
  const { failingSince: _recovered, ...rest } = state;
  return {
    ...rest,
    deltaLink: look.deltaLink,
    members: look.members,
    baselineAt: state.baselineAt ?? at,
    lastSyncAt: at,
    pending,
  };
}

/** The pending list without an alert that was delivered. */
export function withoutPending(state: GroupWatchState, id: string): GroupWatchState {
  return { ...state, pending: state.pending.filter((other) => other.id !== id) };
}
