// Audit entries. Each request has its own stream whose keys are sequence numbers chosen by
// the (deterministic) workflow, so a retried append lands on the same key and is recognised
// as the same entry. Refusals that belong to no request go to a daily security stream.

export const AUDIT_EVENT_TYPES = [
  "requested",
  "approvers-notified",
  "notification-failed",
  "approval-recorded",
  "approval-ignored",
  "approved",
  "denied",
  "expired",
  "withdrawn",
  "requester-ineligible",
  "enabling",
  "enable-retry",
  "enable-failed",
  "opened",
  "extension-requested",
  "extended",
  "extension-denied",
  "extension-expired",
  "close-requested",
  "deadline-reached",
  "event-ignored",
  "locking",
  "lockdown-retry",
  "locked",
  "lockdown-failed",
  "certificates-rotated",
  "certificates-checked",
  "closed",
  "failed",
  "access-refused",
  "watchdog-pruned",
  "watchdog-locked",
  "watchdog-alert",
  "watchdog-certificates",
  "group-baseline",
  "group-member-added",
  "group-member-removed",
  "group-policy",
  "group-watch-failed",
  "group-watch-recovered",
  "group-watch-run",
  "graph-subscription",
  "graph-notification-rejected",
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export type AuditOutcome = "success" | "failure" | "refused" | "info";

export interface AuditActor {
  readonly oid: string;
  readonly upn: string;
}

export type AuditDetails = Readonly<Record<string, string | number | boolean>>;

export interface AuditEntry {
  /** The request id, or a `security-YYYY-MM-DD` stream for refusals outside any request. */
  readonly stream: string;
  /** Unique and ordered within the stream. */
  readonly key: string;
  readonly type: AuditEventType;
  /** UTC, ISO-8601. */
  readonly at: string;
  /** Who caused it; null when the system acted on its own (a timer, a retry). */
  readonly actor: AuditActor | null;
  readonly cluster: string;
  readonly outcome: AuditOutcome;
  /** A stable code for failures and refusals. */
  readonly code?: string;
  readonly message?: string;
  readonly details?: AuditDetails;
}

export type AuditFields = Omit<AuditEntry, "stream" | "key">;

const SEQUENCE_DIGITS = 6;

export function requestAuditEntry(requestId: string, sequence: number, fields: AuditFields): AuditEntry {
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError(`bad audit sequence ${sequence}`);
  return { stream: requestId, key: sequence.toString().padStart(SEQUENCE_DIGITS, "0"), ...fields };
}

/** An entry for a refusal outside a request; `nonce` keeps two refusals in the same millisecond apart. */
export function securityAuditEntry(nonce: string, fields: AuditFields): AuditEntry {
  return { stream: `security-${fields.at.slice(0, 10)}`, key: `${fields.at}-${nonce}`, ...fields };
}

/** An entry of the watchdog (it acts outside any workflow), in a daily stream of its own. */
export function watchdogAuditEntry(nonce: string, fields: AuditFields): AuditEntry {
  return { stream: `watchdog-${fields.at.slice(0, 10)}`, key: `${fields.at}-${nonce}`, ...fields };
}

/** An entry of group watch (membership changes and policy), in a daily stream of its own. */
export function groupAuditEntry(nonce: string, fields: AuditFields): AuditEntry {
  return { stream: `groups-${fields.at.slice(0, 10)}`, key: `${fields.at}-${nonce}`, ...fields };
}

/**
 * Nonces for entries keyed `${at}-${nonce}`: the count keeps one process's entries of an instant in
 * order, the random part keeps processes apart.
 */
export function auditNonces(randomBytes: (size: number) => Uint8Array): () => string {
  let issued = 0;
  return () => `${String(++issued).padStart(8, "0")}-${Buffer.from(randomBytes(4)).toString("hex")}`;
}

/** Whether two entries stored under the same key say the same thing (a retried append). */
export function sameAuditContent(a: AuditEntry, b: AuditEntry): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted and undefined members dropped, so equal content has one spelling. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}
