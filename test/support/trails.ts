/** The audit trail of a window that opens on its one approval and ends at its deadline. */
export const DEADLINE_TRAIL = [
  "requested",
  "approvers-notified",
  "approval-recorded",
  "approved",
  "enabling",
  "opened",
  "deadline-reached",
  "locking",
  "locked",
  "certificates-checked",
  "closed",
] as const;

/** The same window, closed early by someone instead. */
export const CLOSED_EARLY_TRAIL = DEADLINE_TRAIL.map((type) =>
  type === "deadline-reached" ? "close-requested" : type,
);
