// The evidence watch's rules (docs/design.md §11): after a window closed without a certificate
// rotation, an admin kubeconfig fetched during it still works, and any call as `masterclient` after
// its lockdown is a use of a credential that should be dead. Per watched cluster, a round reads the
// calls since the last round (one query from the earliest point not yet read), attributes each to
// the latest watched window locked before it, and ends a window's watch once nothing is left to
// find: the certificates were rotated after it (and the calls up to the rotation have been read),
// or no admin credential was fetched during it. Pure: the round's I/O is in evidence/watch.ts.
import type { ManagedCluster } from "./clusters.js";
import type { AdminCall } from "./evidence.js";
import { COMPLETION_SLACK_MS } from "./kubeAuditQuery.js";

/** A closed window whose admin credentials may outlive it. */
export interface WatchedWindow {
  readonly requestId: string;
  readonly cluster: ManagedCluster;
  /** When local accounts were enabled for it: admin credentials fetched since then may exist. */
  readonly enabledSince: string;
  /** When local accounts were disabled again: a call as `masterclient` after this is a use after the window. */
  readonly lockedAt: string;
}

/** What the watch knows of one watched window. */
export interface WatchedWindowState extends WatchedWindow {
  /** Who fetched admin credentials during the window, once the Activity Log has caught up with it. */
  readonly fetchedBy?: readonly string[];
  /** The first certificate rotation after its lockdown: its credentials are dead from then on. */
  readonly rotatedAt?: string;
  /** Calls found after its lockdown, so far. */
  readonly callsFound?: number;
  /** A round has read the calls since its lockdown. */
  readonly read?: boolean;
  /** The last alert of calls after it (alerts are at most one per ALERT_INTERVAL_MS). */
  readonly alertedAt?: string;
  /** Calls found since that alert and not alerted yet: the next alert counts them. */
  readonly unalerted?: number;
}

/** A call seen by a query, kept while a later query may return it again. */
export interface SeenCall {
  readonly id: string;
  readonly at: string;
}

/** A time local accounts were enabled for a window the watch saw open: calls in it are that window's. */
export interface OpenPeriod {
  readonly from: string;
  /** Absent while it is open. */
  readonly to?: string;
}

/** The watch of one cluster. */
export interface ClusterWatch {
  readonly windows: readonly WatchedWindowState[];
  /** Calls received before this were all read; the next query starts here. */
  readonly readFrom?: string;
  /** Calls at or after `readFrom` already handled. */
  readonly seen?: readonly SeenCall[];
  readonly openPeriods?: readonly OpenPeriod[];
  /** The watch's last rotation request: none is started again before `until` (watchRound.ts). */
  readonly rotationRequested?: { readonly at: string; readonly until: string };
}

/**
 * How long the logs lag behind what they record. A call's row is written when the call completes
 * (exec, attach, port-forward, logs -f, watch: up to `completionSlackMs` after it was received, the
 * slack the query allows) and reaches kube-audit in Log Analytics minutes after that (Azure Monitor:
 * mostly 20 s to 3 min, stragglers later), so a query re-reads the last `completionSlackMs +
 * ingestionDelayMs` (by receive time) and a rotation ends a watch only once the calls before it had
 * that long to arrive. The Activity Log is slower still (Azure: events within about 15 minutes, at worst
 * longer), so "no admin credential was fetched" is believed only `activityLogLagMs` after a lockdown.
 */
export interface WatchTiming {
  readonly ingestionDelayMs: number;
  readonly completionSlackMs: number;
  readonly activityLogLagMs: number;
}

export const AZURE_WATCH_TIMING: WatchTiming = {
  ingestionDelayMs: 15 * 60_000,
  completionSlackMs: COMPLETION_SLACK_MS,
  activityLogLagMs: 30 * 60_000,
};

/**
 * The simulated kube-audit lags SIMULATED_INGESTION_DELAY_MS (2 s) and writes a call's row when it
 * is made (the simulated kubectl completes at once); the simulated Activity Log does not lag.
 */
export const SIMULATION_WATCH_TIMING: WatchTiming = {
  ingestionDelayMs: 5_000,
  completionSlackMs: 0,
  activityLogLagMs: 5_000,
};

/**
 * How far back the Activity Log is asked: it keeps 90 days, and a query starting earlier is
 * rejected; a day's margin for the clocks.
 */
export const ACTIVITY_LOG_REACH_MS = 89 * 24 * 60 * 60_000;

/** The start of an Activity Log query from `from`, within its reach at `now`. */
export const activityLogFrom = (from: Date, now: Date): Date =>
  new Date(Math.max(from.getTime(), now.getTime() - ACTIVITY_LOG_REACH_MS));

/** How far behind the query's time the calls (by receive time) are all in the log. */
const readLagMs = (timing: WatchTiming): number => timing.ingestionDelayMs + timing.completionSlackMs;

export const ms = (instant: string): number => Date.parse(instant);
export const latest = (a: string, b: string): string => (ms(a) >= ms(b) ? a : b);

/** Where the cluster's next query starts: the earliest point not yet read, of any window. */
export function readStart(watch: ClusterWatch): string | undefined {
  const starts = [
    ...(watch.readFrom ? [watch.readFrom] : []),
    ...watch.windows.filter((window) => !window.read).map((window) => window.lockedAt),
  ];
  return starts.sort((a, b) => ms(a) - ms(b))[0];
}

/** Marks each window with the first rotation after its lockdown (`rotations`: their times, any order). */
export function withRotations(watch: ClusterWatch, rotations: readonly string[]): ClusterWatch {
  const sorted = [...rotations].sort((a, b) => ms(a) - ms(b));
  return {
    ...watch,
    windows: watch.windows.map((window) => {
      const rotation = sorted.find((at) => ms(at) >= ms(window.lockedAt));
      return !rotation || (window.rotatedAt && ms(window.rotatedAt) <= ms(rotation))
        ? window
        : { ...window, rotatedAt: rotation };
    }),
  };
}

/** Records who fetched admin credentials during a window, once the Activity Log can be believed. */
export function withFetches(
  watch: ClusterWatch,
  requestId: string,
  callers: readonly string[],
  now: Date,
  timing: WatchTiming,
): ClusterWatch {
  return {
    ...watch,
    windows: watch.windows.map((window) =>
      window.requestId === requestId && now.getTime() >= ms(window.lockedAt) + timing.activityLogLagMs
        ? { ...window, fetchedBy: [...new Set(callers)] }
        : window,
    ),
  };
}

/** Notes the open window the round found (`openSince`: when local accounts were enabled for it), or that none is. */
export function withOpenWindow(watch: ClusterWatch, openSince: string | undefined, now: Date): ClusterWatch {
  const periods = watch.openPeriods ?? [];
  const open = periods.find((period) => !period.to);
  if (openSince) return open ? watch : { ...watch, openPeriods: [...periods, { from: openSince }] };
  if (!open) return watch;
  // It closed since the last round: at its own lockdown if it is watched, else by now at the latest.
  const lockdown = watch.windows.find((window) => ms(window.enabledSince) >= ms(open.from))?.lockedAt;
  const to = lockdown ?? now.toISOString();
  return { ...watch, openPeriods: periods.map((period) => (period === open ? { ...period, to } : period)) };
}

/**
 * The window a call after some lockdown is a use of: the latest locked before it whose fetches are
 * not known to be none (else the latest), while its credentials live.
 */
export function attribute(watch: ClusterWatch, call: Pick<AdminCall, "at">): WatchedWindowState | undefined {
  const at = ms(call.at);
  const inWindow = [
    ...watch.windows.map((window) => ({ from: window.enabledSince, to: window.lockedAt })),
    ...(watch.openPeriods ?? []),
  ].some((period) => at >= ms(period.from) && (!period.to || at <= ms(period.to)));
  if (inWindow) return undefined;
  // A window known to have had no admin credential fetched cannot be where the credential is from.
  const before = watch.windows
    .filter((window) => ms(window.lockedAt) < at)
    .sort((a, b) => ms(b.lockedAt) - ms(a.lockedAt));
  const owner = before.find((window) => window.fetchedBy?.length !== 0) ?? before[0];
  return owner && !(owner.rotatedAt && ms(owner.rotatedAt) <= at) ? owner : undefined;
}

export interface ReadCalls {
  readonly watch: ClusterWatch;
  /** Calls not seen before, by the request whose window they are a use after; oldest first. */
  readonly found: ReadonlyMap<string, readonly AdminCall[]>;
}

/**
 * Takes a query's answer for [from, to]: the calls not seen before, attributed; what was read moves
 * on to what had time to arrive (or to the last call of an answer cut at its row limit; not at all
 * for an answer the log gave only in part, whose missing calls may be anywhere in the period).
 */
export function readCalls(
  watch: ClusterWatch,
  answer: { readonly calls: readonly AdminCall[]; readonly truncated: boolean; readonly incomplete?: string },
  range: { readonly from: Date; readonly to: Date },
  timing: WatchTiming,
): ReadCalls {
  const seen = new Set((watch.seen ?? []).map((call) => call.id));
  const fresh = answer.calls
    .filter((call) => !seen.has(call.id))
    .sort((a, b) => ms(a.at) - ms(b.at) || a.id.localeCompare(b.id));
  const found = new Map<string, AdminCall[]>();
  for (const call of fresh) {
    const owner = attribute(watch, call);
    // Before what was already read, only a window watched since then has calls still unseen.
    if (!owner || (watch.readFrom && ms(call.at) < ms(watch.readFrom) && owner.read)) continue;
    found.set(owner.requestId, [...(found.get(owner.requestId) ?? []), call]);
  }
  // `to` is the time of the query: what was received the read lag before it has arrived.
  const settled = new Date(range.to.getTime() - readLagMs(timing));
  const last = answer.calls.at(-1);
  const through = answer.incomplete
    ? range.from.toISOString()
    : answer.truncated && last
      ? last.at
      : latest(range.from.toISOString(), settled.toISOString());
  const readFrom = watch.readFrom ? latest(watch.readFrom, through) : through;
  const kept = [...(watch.seen ?? []), ...fresh.map(({ id, at }) => ({ id, at }))].filter(
    (call) => ms(call.at) >= ms(readFrom),
  );
  const windows = watch.windows.map((window) => {
    const calls = found.get(window.requestId)?.length ?? 0;
    return { ...window, read: true, ...(calls ? { callsFound: (window.callsFound ?? 0) + calls } : {}) };
  });
  return {
    watch: { ...watch, windows, readFrom, seen: kept, openPeriods: stillRelevant(watch.openPeriods, readFrom) },
    found,
  };
}

function stillRelevant(periods: readonly OpenPeriod[] | undefined, readFrom: string): readonly OpenPeriod[] {
  return (periods ?? []).filter((period) => !period.to || ms(period.to) >= ms(readFrom));
}

export type EndReason = "rotated" | "no-credentials";

export interface EndedWatch {
  readonly window: WatchedWindowState;
  readonly reason: EndReason;
  readonly message: string;
}

/**
 * The windows nothing is left to find for: rotated, once the calls up to the rotation have been
 * read; or no admin credential fetched during them and no call found after them (a call proves a
 * working credential, whatever the Activity Log says).
 */
export function endedWatches(watch: ClusterWatch): readonly EndedWatch[] {
  const ended: EndedWatch[] = [];
  for (const window of watch.windows) {
    if (window.rotatedAt && window.read && watch.readFrom && ms(watch.readFrom) >= ms(window.rotatedAt)) {
      ended.push({
        window,
        reason: "rotated",
        message: `the certificates were rotated at ${window.rotatedAt}: its admin credentials no longer work`,
      });
    } else if (window.fetchedBy?.length === 0 && !window.callsFound) {
      ended.push({
        window,
        reason: "no-credentials",
        message: "no admin credentials were fetched during the window: there is nothing to revoke",
      });
    }
  }
  return ended;
}

/** The watch without the windows that ended; empty (nothing kept) when none is left. */
export function withoutWindows(watch: ClusterWatch, requestIds: readonly string[]): ClusterWatch {
  const windows = watch.windows.filter((window) => !requestIds.includes(window.requestId));
  return windows.length ? { ...watch, windows } : { windows: [] };
}
