// What one round of the evidence watch claims before it acts, and how what it changed is written
// back (docs/design.md §11). Two timer runs may overlap and a save may fail, so a round first
// writes, at the version it read, the calls it is about to alert as seen and the rotation it is
// about to start as requested; only the run whose claim was written acts. Pure: time is a parameter.
import { latest, ms, type ClusterWatch, type WatchedWindowState } from "./credentialWatch.js";
import type { AdminCall } from "./evidence.js";

/** At most one alert per watched window in this time: ongoing use is recorded, not alerted every round. */
export const ALERT_INTERVAL_MS = 60 * 60_000;

/**
 * How long a requested rotation blocks another: longer than a rotation takes (ARM: up to ~30
 * minutes) plus the Activity Log's lag (AZURE_WATCH_TIMING: 30 minutes), so that a rotation whose
 * round failed to save is known done from the Activity Log before a second one could start.
 */
export const ROTATION_LEASE_MS = 2 * 60 * 60_000;

/** An alert a round sends: the calls it found after one window, and those held back since the last alert. */
export interface WindowAlert {
  readonly requestId: string;
  readonly calls: readonly AdminCall[];
  /** Calls found after the last alert (at `since`) and not alerted then. */
  readonly earlier?: { readonly since: string; readonly calls: number };
}

export interface RoundClaim {
  /** The watch to write before acting: the calls read, the alerts marked sent, the rotation requested. */
  readonly watch: ClusterWatch;
  readonly alerts: readonly WindowAlert[];
  readonly rotate: boolean;
}

/** What a round found (`found`: calls by request, from readCalls) turned into what it may do at `now`. */
export function claimRound(
  watch: ClusterWatch,
  found: ReadonlyMap<string, readonly AdminCall[]>,
  now: Date,
  rotating: boolean,
): RoundClaim {
  const alerts: WindowAlert[] = [];
  const windows = watch.windows.map((window): WatchedWindowState => {
    const calls = found.get(window.requestId);
    if (!calls?.length) return window;
    const unalerted = (window.unalerted ?? 0) + calls.length;
    if (window.alertedAt && now.getTime() < ms(window.alertedAt) + ALERT_INTERVAL_MS) return { ...window, unalerted };
    const earlier =
      window.alertedAt && window.unalerted ? { earlier: { since: window.alertedAt, calls: window.unalerted } } : {};
    alerts.push({ requestId: window.requestId, calls, ...earlier });
    return { ...window, alertedAt: now.toISOString(), unalerted: 0 };
  });
  const usedAfter = watch.windows.filter((window) => found.get(window.requestId)?.length);
  const rotate = rotating && usedAfter.length > 0 && !rotationPending(watch, usedAfter, now);
  const rotationRequested = rotate
    ? { at: now.toISOString(), until: new Date(now.getTime() + ROTATION_LEASE_MS).toISOString() }
    : watch.rotationRequested;
  return { watch: { ...watch, windows, ...(rotationRequested ? { rotationRequested } : {}) }, alerts, rotate };
}

/** A rotation requested since the earliest of these lockdowns is still within its lease. */
function rotationPending(watch: ClusterWatch, windows: readonly WatchedWindowState[], now: Date): boolean {
  const requested = watch.rotationRequested;
  if (!requested || now.getTime() >= ms(requested.until)) return false;
  return windows.every((window) => ms(requested.at) >= ms(window.lockedAt));
}

/** The watch after its rotation request failed at `now`: the lease ends, the next use may request one again. */
export function releaseRotation(watch: ClusterWatch, now: Date): ClusterWatch {
  const requested = watch.rotationRequested;
  return requested ? { ...watch, rotationRequested: { ...requested, until: now.toISOString() } } : watch;
}

/**
 * What a round changed (`before` → `after`), applied to the watch as stored now (`current`): a
 * window put under watch meanwhile (by a workflow's lockdown) is kept as it came, and what another
 * run advanced meanwhile stays advanced — the cursor, the calls seen, the alerts sent, the windows
 * it ended.
 */
export function mergeRound(current: ClusterWatch, before: ClusterWatch, after: ClusterWatch): ClusterWatch {
  const known = new Set(before.windows.map((window) => window.requestId));
  const added = current.windows.filter((window) => !known.has(window.requestId));
  const stored = new Map(current.windows.map((window) => [window.requestId, window]));
  const kept = after.windows.flatMap((window) => {
    const now = stored.get(window.requestId);
    return now ? [laterAlert(window, now)] : [];
  });
  if (!kept.length && !added.length) return { windows: [] };
  const readFrom = current.readFrom && after.readFrom ? latest(current.readFrom, after.readFrom) : after.readFrom;
  const seen = [...new Map([...(current.seen ?? []), ...(after.seen ?? [])].map((call) => [call.id, call])).values()];
  const rotationRequested = [current.rotationRequested, after.rotationRequested]
    .filter((request) => request !== undefined)
    // The latest request; of the same one, the released copy.
    .sort((a, b) => ms(b.at) - ms(a.at) || ms(a.until) - ms(b.until))[0];
  return {
    ...after,
    windows: [...kept, ...added],
    ...(readFrom ? { readFrom } : {}),
    ...(readFrom && (current.seen || after.seen) ? { seen: seen.filter((call) => ms(call.at) >= ms(readFrom)) } : {}),
    ...(rotationRequested ? { rotationRequested } : {}),
  };
}

/** A window as this round left it, with the alert another run sent since if that one is later. */
function laterAlert(mine: WatchedWindowState, stored: WatchedWindowState): WatchedWindowState {
  if (!stored.alertedAt || (mine.alertedAt && ms(mine.alertedAt) >= ms(stored.alertedAt))) return mine;
  return { ...mine, alertedAt: stored.alertedAt, unalerted: stored.unalerted ?? 0 };
}
