import { formatIsoDuration, parseIsoDuration } from "./duration.js";
import { isTerminal } from "./lifecycle.js";
import type { Approval, EmergencyRequest, Person } from "./request.js";

export interface WindowPolicy {
  readonly minDurationMs: number;
  readonly maxDurationMs: number;
  readonly defaultDurationMs: number;
  readonly approvalTimeoutMs: number;
  readonly requiredApprovals: number;
}

export type DurationDecision =
  { readonly ok: true; readonly ms: number; readonly iso: string } | { readonly ok: false; readonly message: string };

/** The window length a request gets: the default when none was asked for, else the asked one within bounds. */
export function decideDuration(requested: string | undefined, policy: WindowPolicy): DurationDecision {
  if (requested === undefined) {
    return { ok: true, ms: policy.defaultDurationMs, iso: formatIsoDuration(policy.defaultDurationMs) };
  }
  const ms = parseIsoDuration(requested);
  if (ms === undefined) {
    return { ok: false, message: `duration "${requested}" is not an ISO-8601 duration such as PT1H or PT30M` };
  }
  const bounds = `between ${formatIsoDuration(policy.minDurationMs)} and ${formatIsoDuration(policy.maxDurationMs)}`;
  if (ms < policy.minDurationMs || ms > policy.maxDurationMs) {
    return { ok: false, message: `duration ${formatIsoDuration(ms)} is outside the policy: it must be ${bounds}` };
  }
  return { ok: true, ms, iso: formatIsoDuration(ms) };
}

export type ExtensionDecision =
  | { readonly ok: true; readonly ms: number; readonly iso: string; readonly closesAt: string }
  | { readonly ok: false; readonly message: string };

/** How far an open window may be extended: never past the policy maximum counted from when it opened. */
export function decideExtension(
  window: { readonly openedAt: string; readonly closesAt: string },
  requested: string,
  maxDurationMs: number,
): ExtensionDecision {
  const ms = parseIsoDuration(requested);
  if (ms === undefined || ms <= 0)
    return { ok: false, message: `duration "${requested}" is not a positive ISO-8601 duration such as PT30M` };
  const closesAt = Date.parse(window.closesAt) + ms;
  const latest = Date.parse(window.openedAt) + maxDurationMs;
  if (closesAt > latest) {
    const room = Math.max(0, latest - Date.parse(window.closesAt));
    return {
      ok: false,
      message: `the window may last at most ${formatIsoDuration(maxDurationMs)} from when it opened; it can be extended by ${formatIsoDuration(room)} at most`,
    };
  }
  return { ok: true, ms, iso: formatIsoDuration(ms), closesAt: new Date(closesAt).toISOString() };
}

export type ApprovalDecision =
  | { readonly kind: "self-approval" }
  | { readonly kind: "duplicate" }
  | { readonly kind: "recorded"; readonly approvals: readonly Approval[]; readonly complete: boolean };

/**
 * Counts one approval. Approvers are distinct people (by oid) other than the requester;
 * the window may open once `required` of them have approved.
 */
export function decideApproval(
  approvals: readonly Approval[],
  approval: Approval,
  requester: Pick<Person, "oid">,
  required: number,
): ApprovalDecision {
  if (sameOid(approval.approver.oid, requester.oid)) return { kind: "self-approval" };
  if (approvals.some((existing) => sameOid(existing.approver.oid, approval.approver.oid))) return { kind: "duplicate" };
  const next = [...approvals, approval];
  return { kind: "recorded", approvals: next, complete: next.length >= required };
}

/**
 * Whether a request still blocks its requester from asking again on the same cluster: until it
 * ends. A pending request past its approval deadline can never open, so it no longer blocks, even
 * if its end was never recorded (its workflow died or storage failed at that moment).
 */
export function blocksNewRequest(request: Pick<EmergencyRequest, "status" | "approvalDeadline">, now: string): boolean {
  if (isTerminal(request.status)) return false;
  return !(request.status === "pending-approval" && request.approvalDeadline <= now);
}

/**
 * What a decision on this request would decide, now: the request itself while it awaits approval,
 * or a pending extension of its open window; undefined when nothing awaits a decision.
 */
export function pendingDecision(
  request: Pick<EmergencyRequest, "status" | "approvalDeadline" | "approvals" | "extension">,
  now: Date,
):
  | { readonly subject: "request" | "extension"; readonly deadline: string; readonly approvals: readonly Approval[] }
  | undefined {
  const pending =
    request.status === "pending-approval"
      ? { subject: "request" as const, deadline: request.approvalDeadline, approvals: request.approvals }
      : request.status === "open" && request.extension?.status === "pending"
        ? {
            subject: "extension" as const,
            deadline: request.extension.approvalDeadline,
            approvals: request.extension.approvals,
          }
        : undefined;
  return pending && now.getTime() < Date.parse(pending.deadline) ? pending : undefined;
}

/**
 * Whether this person has approved what awaits a decision (the request, or its window's pending
 * extension), or, when nothing does, the request itself.
 */
export function hasApproved(
  request: Pick<EmergencyRequest, "status" | "approvalDeadline" | "approvals" | "extension">,
  oid: string,
  now: Date,
): boolean {
  const approvals = pendingDecision(request, now)?.approvals ?? request.approvals;
  return approvals.some((approval) => sameOid(approval.approver.oid, oid));
}

/** Who may see a request: its requester and the approvers. */
export function mayViewRequest(
  request: Pick<EmergencyRequest, "requester">,
  actorOid: string,
  actorIsApprover: boolean,
): boolean {
  return actorIsApprover || sameOid(request.requester.oid, actorOid);
}

/** Entra object ids are GUIDs; compare them without regard to case. */
export function sameOid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
