// The two-person rule at the moment of a decision, shared by the JSON API and the review page:
// the decider is asked of the directory now (approver group, enabled account), is not the
// requester (by oid, also when in both groups), has not approved already, and the request still
// takes decisions before its deadline. Refusals of signed-in people are audited.
import type { ActionDelivery, Delivered } from "../actions/delivery.js";
import { ERROR_CODES, type ErrorCode } from "../domain/codes.js";
import { approverRefusal, type Refusal } from "../domain/access.js";
import { securityAuditEntry } from "../domain/auditChain.js";
import { isRequestId } from "../domain/ids.js";
import { acceptsDecisions } from "../domain/lifecycle.js";
import { pendingDecision, sameOid } from "../domain/policy.js";
import type { EmergencyRequest, Person } from "../domain/request.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { Directory } from "../ports/directory.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { RequestAction, WorkflowClient } from "../ports/workflowClient.js";
import { lookUpMember, type GroupIds, type Member } from "../access/membership.js";
import type { Principal } from "./authentication.js";
import { ApiError } from "./errors.js";

export interface DecisionDependencies {
  readonly delivery: ActionDelivery;
  readonly requests: RequestStore;
  readonly directory: Directory;
  readonly audit: AuditLog;
  readonly groups: GroupIds;
  readonly now: () => Date;
  readonly randomBytes: (size: number) => Uint8Array;
}

export type Decision = { readonly type: "approve" } | { readonly type: "deny"; readonly reason?: string };

export type DecisionResult =
  | { readonly kind: "accepted"; readonly request: EmergencyRequest; readonly delivered: Delivered }
  /** `request` is there when the decider may see it, so that a page can say what happened. */
  | { readonly kind: "refused"; readonly error: ApiError; readonly request?: EmergencyRequest };

export class Decisions {
  constructor(private readonly deps: DecisionDependencies) {}

  /** Audits a refusal of a signed-in person; best effort, the refusal stands either way. */
  async recordRefusal(
    who: Principal,
    action: string,
    cluster: string,
    refusal: Refusal,
    warn: (message: string) => void,
  ): Promise<void> {
    try {
      await this.deps.audit.append(
        securityAuditEntry(Buffer.from(this.deps.randomBytes(4)).toString("hex"), {
          type: "access-refused",
          at: this.deps.now().toISOString(),
          actor: { oid: who.oid, upn: who.upn },
          cluster,
          outcome: "refused",
          code: refusal.code,
          message: refusal.message,
          details: { action },
        }),
      );
    } catch (error) {
      warn(`could not audit a refused ${action} by ${who.oid}: ${String(error)}`);
    }
  }

  async decide(
    principal: Principal,
    requestId: string,
    decision: Decision,
    workflow: WorkflowClient,
    warn: (message: string) => void,
  ): Promise<DecisionResult> {
    const member = await lookUpMember(this.deps.directory, this.deps.groups, principal.oid);
    // Checked before the request is looked up, so that a non-approver learns nothing about ids.
    const notApprover = approverRefusal(member.roles);
    if (notApprover) return this.refused(principal, decision.type, notApprover, warn);
    const request = isRequestId(requestId) ? await this.deps.requests.get(requestId) : undefined;
    if (!request)
      return {
        kind: "refused",
        error: new ApiError(404, "REQUEST_NOT_FOUND", `no request ${requestId} that you can see`),
      };
    if (sameOid(request.requester.oid, principal.oid)) {
      return this.refused(
        principal,
        decision.type,
        { code: "SELF_APPROVAL", message: "you cannot decide your own request; a second person must" },
        warn,
        request,
      );
    }
    const now = this.deps.now();
    const conflict = conflictOf(request, decision, principal, now);
    if (conflict) return { kind: "refused", error: conflict, request };
    const actor = personOf(member, principal);
    const action: RequestAction =
      decision.type === "approve"
        ? { type: "approve", actor, at: now.toISOString() }
        : { type: "deny", actor, at: now.toISOString(), ...(decision.reason ? { reason: decision.reason } : {}) };
    const delivered = await this.deps.delivery.deliver(request, action, workflow);
    const late = lateRefusal(delivered);
    if (late) return { kind: "refused", error: late, request };
    return { kind: "accepted", request, delivered };
  }

  private async refused(
    who: Principal,
    action: string,
    refusal: Refusal,
    warn: (message: string) => void,
    request?: EmergencyRequest,
  ): Promise<DecisionResult> {
    await this.recordRefusal(who, action, request?.cluster.id ?? "", refusal, warn);
    return {
      kind: "refused",
      error: new ApiError(403, refusal.code, refusal.message),
      ...(request ? { request } : {}),
    };
  }
}

/** Why the request takes no decision from this approver now (a 409), or undefined when it does. */
function conflictOf(request: EmergencyRequest, decision: Decision, principal: Principal, now: Date) {
  const conflict = (code: ErrorCode, message: string) => new ApiError(409, code, message);
  const pending = pendingDecision(request, now);
  if (!pending) {
    if (acceptsDecisions(request.status))
      return conflict("APPROVAL_EXPIRED", `the approval deadline ${request.approvalDeadline} has passed`);
    if (request.extension?.status === "pending")
      return conflict("APPROVAL_EXPIRED", `the extension's deadline ${request.extension.approvalDeadline} has passed`);
    return conflict("NOT_PENDING", `request ${request.id} is ${request.status}; it no longer takes decisions`);
  }
  if (
    decision.type === "approve" &&
    pending.approvals.some((approval) => sameOid(approval.approver.oid, principal.oid))
  )
    return conflict(
      "ALREADY_APPROVED",
      `you have already approved this ${pending.subject}; another approver is needed`,
    );
  return undefined;
}

/**
 * A 409 for an action the workflow is known not to have counted: it had already moved on (the
 * action is recorded as ignored, with the reason this answer gives).
 */
export function lateRefusal({ fate }: Delivered): ApiError | undefined {
  if (fate.result !== "ignored") return undefined;
  const code = (ERROR_CODES as readonly string[]).includes(fate.code) ? (fate.code as ErrorCode) : "NOT_PENDING";
  return new ApiError(409, code, fate.message);
}

/** The person as the directory names them; the token's claims only if the directory has no entry. */
export function personOf(member: Member, principal: Principal): Person {
  return {
    oid: principal.oid,
    upn: member.user?.upn ?? principal.upn,
    displayName: member.user?.displayName ?? principal.name,
  };
}
