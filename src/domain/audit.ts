// Audit entries. Each request has its own stream whose keys are sequence numbers chosen by
// the (deterministic) workflow, so a retried append lands on the same key and is recognised
// as the same entry. Refusals that belong to no request go to a daily security stream.
// Hashes, the chain and builders of entries are in auditChain.ts beside this file (they need node:crypto).
import type { OutcomeCode } from "./codes.js";
import { parseInstant } from "./instants.js";

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
  "extension-failed",
  "close-requested",
  "deadline-reached",
  "event-ignored",
  "locking",
  "lockdown-retry",
  "locked",
  "lockdown-failed",
  "certificates-rotated",
  "certificates-checked",
  "evidence-collected",
  "evidence-unavailable",
  "closed",
  "failed",
  "access-refused",
  "watchdog-pruned",
  "watchdog-locked",
  "watchdog-alert",
  "watchdog-certificates",
  "credential-used-after-window",
  "credential-watch-ended",
  "group-baseline",
  "group-member-added",
  "group-member-removed",
  "group-policy",
  "group-watch-failed",
  "group-watch-recovered",
  "group-watch-run",
  "graph-subscription",
  "graph-notification-rejected",
  "readiness-failed",
  "readiness-cleared",
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export type AuditOutcome = "success" | "failure" | "refused" | "info";

export interface AuditActor {
  readonly oid: string;
  readonly upn: string;
}

export type AuditDetails = Readonly<Record<string, string | number | boolean>>;

export interface AuditEntry {
  /** The request id, or a daily `security-`, `watchdog-`, `groups-` or `readiness-YYYY-MM-DD` stream. */
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
  readonly code?: OutcomeCode;
  readonly message?: string;
  readonly details?: AuditDetails;
  /** Request streams: the entry's place in the chain, from 0. */
  readonly sequence?: number;
  /** Request streams: the hash of the entry before (of the stream's name, for the first). */
  readonly prevHash?: string;
  /** SHA-256 (hex) of the canonical JSON of everything above. */
  readonly hash: string;
}

export type AuditFields = Omit<AuditEntry, "stream" | "key" | "sequence" | "prevHash" | "hash">;

const SEQUENCE_DIGITS = 6;

export function auditKeyOf(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError(`bad audit sequence ${sequence}`);
  return sequence.toString().padStart(SEQUENCE_DIGITS, "0");
}

/** The last link of a request's chain as stored beside it: how many entries, and the last one's hash. */
export interface AuditHead {
  readonly entries: number;
  readonly hash: string;
}

/** The head after appending `entry` (entries written late never move it back). */
export function advanceHead(head: AuditHead | undefined, entry: AuditEntry): AuditHead | undefined {
  if (entry.sequence === undefined || (head && head.entries > entry.sequence)) return undefined;
  return { entries: entry.sequence + 1, hash: entry.hash };
}

export type ChainVerdict =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly entries: number; readonly brokenAt: number; readonly reason: string };

/** Whether two entries stored under the same key say the same thing (a retried append). */
export function sameAuditContent(a: AuditEntry, b: AuditEntry): boolean {
  return a.hash === b.hash && canonicalJson(a) === canonicalJson(b);
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

/** The daily streams of what happens outside any request: refusals, the watchdog, group watch, readiness. */
export const DAILY_STREAM_KINDS = ["security", "watchdog", "groups", "readiness"] as const;
export type DailyStreamKind = (typeof DAILY_STREAM_KINDS)[number];

export function dailyStreamName(kind: DailyStreamKind, at: string): string {
  return `${kind}-${at.slice(0, 10)}`;
}

export function isDailyStream(text: string): boolean {
  const parts = /^(security|watchdog|groups|readiness)-(\d{4}-\d{2}-\d{2})$/.exec(text);
  return parts !== null && parseInstant(parts[2]!) !== undefined;
}

/** Every daily stream of the UTC days that [from, to) touches, day by day. */
export function dailyStreamsBetween(from: Date, to: Date): string[] {
  const streams: string[] = [];
  for (
    let day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
    day < to.getTime();
    day += 24 * 60 * 60_000
  ) {
    const at = new Date(day).toISOString();
    streams.push(...DAILY_STREAM_KINDS.map((kind) => dailyStreamName(kind, at)));
  }
  return streams;
}
