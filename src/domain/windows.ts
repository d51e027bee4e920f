// The open windows of one cluster, and the lease that serializes changes to it. Local accounts
// are enabled while this set is not empty; whoever empties it disables them. The lease makes
// "change the set, then bring the cluster in line" one step per cluster, so that a window closing
// can never disable local accounts under a window that is opening at the same moment.
import type { OutcomeCode } from "./codes.js";

export interface OpenWindow {
  readonly requestId: string;
  /** UTC, ISO-8601. */
  readonly closesAt: string;
}

export interface Lease {
  readonly holder: string;
  readonly expiresAt: string;
}

export interface ClusterWindows {
  readonly windows: readonly OpenWindow[];
  /** When local accounts were last switched on for a window: the start of the certificate question. */
  readonly enabledSince?: string;
  /** When a window last left the set (closed, or pruned by the watchdog): the watchdog confirms ARM soon after (docs/design.md §12.2). */
  readonly closedAt?: string;
  readonly lease?: Lease;
}

export const NO_WINDOWS: ClusterWindows = { windows: [] };

export type LeaseDecision =
  { readonly kind: "granted"; readonly state: ClusterWindows } | { readonly kind: "busy"; readonly lease: Lease };

/** Takes the lease for `holder` (again, if it already has it); busy while someone else holds an unexpired one. */
export function acquireLease(state: ClusterWindows, holder: string, now: Date, ttlMs: number): LeaseDecision {
  if (state.lease && state.lease.holder !== holder && Date.parse(state.lease.expiresAt) > now.getTime()) {
    return { kind: "busy", lease: state.lease };
  }
  return {
    kind: "granted",
    state: { ...state, lease: { holder, expiresAt: new Date(now.getTime() + ttlMs).toISOString() } },
  };
}

/** The state without `holder`'s lease; unchanged when it holds none. */
export function releaseLease(state: ClusterWindows, holder: string): ClusterWindows {
  if (state.lease?.holder !== holder) return state;
  const { lease: _lease, ...rest } = state;
  return rest;
}

/** Adds a window, or moves its deadline if the request already has one. */
export function withWindow(state: ClusterWindows, window: OpenWindow): ClusterWindows {
  return { ...state, windows: [...state.windows.filter((open) => open.requestId !== window.requestId), window] };
}

/** Removes a window; when it was there, records `at` as the last time a window closed. */
export function withoutWindow(state: ClusterWindows, requestId: string, at: Date): ClusterWindows {
  const windows = state.windows.filter((open) => open.requestId !== requestId);
  return windows.length === state.windows.length ? state : { ...state, windows, closedAt: at.toISOString() };
}

/** Windows whose deadline passed more than `graceMs` ago: their workflow should have closed them. */
export function overdueWindows(state: ClusterWindows, now: Date, graceMs: number): readonly OpenWindow[] {
  return state.windows.filter((window) => Date.parse(window.closesAt) + graceMs < now.getTime());
}

// What opening or closing a window on a cluster came to. Every outcome is typed, including "wait":
// the callers decide how long to wait, honouring the server's retry hint carried here.

export type Change = "changed" | "unchanged";

/** Try again later: the cluster is busy (another window's change, an ARM operation) or a dependency failed. */
export interface Wait {
  readonly kind: "wait";
  readonly code: OutcomeCode;
  readonly message: string;
  readonly retryAfterMs?: number;
}

/** A retry will not help (the cluster is gone, or ARM refuses for good). */
export interface ClusterRefusal {
  readonly kind: "refused";
  readonly code: OutcomeCode;
  readonly message: string;
}

export type OpenOutcome =
  | { readonly kind: "opened"; readonly change: Change; readonly openedAt: string; readonly closesAt: string }
  | Wait
  | ClusterRefusal;

export type CloseOutcome =
  | { readonly kind: "locked"; readonly change: Change; readonly enabledSince?: string }
  | { readonly kind: "kept-open"; readonly otherWindows: number }
  | Wait
  | ClusterRefusal;
