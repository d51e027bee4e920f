// The request lifecycle. Statuses are the public contract of GET /api/requests/{id};
// the transition table is what keeps a retried or replayed status write from moving a
// request backwards (e.g. a late "open" after "closed").

export const REQUEST_STATUSES = [
  "pending-approval",
  "denied",
  "expired",
  "opening",
  "open",
  "closing",
  "closed",
  "failed",
  "lockdown-failed",
] as const;

export type RequestStatus = (typeof REQUEST_STATUSES)[number];

const TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  // closed straight from pending: the requester or an approver withdrew it before any window opened.
  "pending-approval": ["denied", "expired", "opening", "failed", "closed"],
  // lockdown-failed from opening: enabling failed half-way and the clean-up disable failed as well.
  opening: ["open", "failed", "lockdown-failed"],
  // closed straight from open: when the "closing" step could not be recorded (storage outage).
  open: ["closing", "closed", "lockdown-failed"],
  closing: ["closed", "lockdown-failed"],
  // A failed lockdown is retried until it succeeds; it then ends as it would have.
  "lockdown-failed": ["closed", "failed"],
  denied: [],
  expired: [],
  closed: [],
  failed: [],
};

export function isRequestStatus(text: string): text is RequestStatus {
  return (REQUEST_STATUSES as readonly string[]).includes(text);
}

/** Terminal statuses: nothing more will happen to the request. */
export function isTerminal(status: RequestStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export type TransitionDecision = "apply" | "already-there" | "illegal";

/** Whether moving from `from` to `to` is a legal step, a repeat of one already taken, or illegal. */
export function decideTransition(from: RequestStatus, to: RequestStatus): TransitionDecision {
  if (from === to) return "already-there";
  return TRANSITIONS[from].includes(to) ? "apply" : "illegal";
}

/** Statuses in which approvals and denials are still accepted (an open window's extension aside). */
export function acceptsDecisions(status: RequestStatus): boolean {
  return status === "pending-approval";
}

/** Statuses in which a close request means something (withdraw, or end the window now). */
export function acceptsClose(status: RequestStatus): boolean {
  return status === "pending-approval" || status === "opening" || status === "open";
}

/** Statuses in which a window exists on the cluster (or may: being opened, or being locked). */
const WINDOW_STATUSES: readonly RequestStatus[] = ["opening", "open", "closing", "lockdown-failed"];

export function holdsWindow(status: RequestStatus): boolean {
  return WINDOW_STATUSES.includes(status);
}
