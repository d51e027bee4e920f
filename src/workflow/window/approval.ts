// Asking for approval and counting it: distinct approvers other than the requester, until enough
// approved, someone denied or withdrew the request, or the approval deadline passed.
import type { Approval } from "../../domain/request.js";
import { decideApproval, type ApprovalDecision } from "../../domain/policy.js";
import { nextAction, type ActionOf } from "./actions.js";
import type { Step } from "./calls.js";
import type { Ending } from "./endings.js";
import type { WindowRun } from "./recorder.js";

/** How the request was decided: approved, or the ending it comes to instead. */
type RequestDecision = { readonly kind: "approved" } | Ending<"expired" | "denied" | "withdrawn">;

/** Records the request and tells the approvers. */
export function* requestApproval({ request, record }: WindowRun): Step<void> {
  yield* record.audit("requested", {
    actor: request.requester,
    outcome: "info",
    details: { justification: request.justification, ticket: request.ticket, duration: request.duration },
  });
  yield* record.notify("approval-requested");
}

export function* awaitDecision(run: WindowRun): Step<RequestDecision> {
  const { request, record } = run;
  for (;;) {
    const next = yield* nextAction(run, [new Date(request.approvalDeadline)]);
    if (next.kind === "timeout") return { kind: "expired" };
    const { action } = next;
    if (action.type === "deny") return { kind: "denied", by: action.actor, reason: action.reason, actionId: action.id };
    if (action.type === "close") return { kind: "withdrawn", by: action.actor, actionId: action.id };
    if (action.type === "extend") {
      yield* record.ignore(action, "NOT_OPEN");
      continue;
    }
    const counted = yield* countApproval(run, record.approvals, action);
    if (!counted) continue;
    record.approvals = counted.approvals;
    yield* record.progress({ status: "pending-approval", approvals: record.approvals });
    if (counted.complete) {
      yield* record.audit("approved", {
        outcome: "success",
        details: { approvers: record.approvals.map((approval) => approval.approver.upn).join(",") },
      });
      return { kind: "approved" };
    }
  }
}

/** Counts an approval of the request or of an extension, auditing either way; undefined when it does not count. */
export function* countApproval(
  { request, record }: WindowRun,
  approvals: readonly Approval[],
  action: ActionOf<"approve">,
  extension = false,
): Step<Extract<ApprovalDecision, { kind: "recorded" }> | undefined> {
  const counted = decideApproval(
    approvals,
    { approver: action.actor, at: action.at },
    request.requester,
    request.requiredApprovals,
  );
  if (counted.kind !== "recorded") {
    yield* record.audit("approval-ignored", {
      actor: action.actor,
      actionId: action.id,
      outcome: "refused",
      code: counted.kind === "self-approval" ? "SELF_APPROVAL" : "DUPLICATE_APPROVAL",
      ...(extension ? { details: { extension: true } } : {}),
    });
    return undefined;
  }
  yield* record.audit("approval-recorded", {
    actor: action.actor,
    actionId: action.id,
    outcome: "success",
    details: {
      approvals: counted.approvals.length,
      required: request.requiredApprovals,
      ...(extension ? { extension: true } : {}),
    },
  });
  return counted;
}
