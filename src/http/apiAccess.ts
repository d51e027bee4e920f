// Who is calling the API and what they may see. The caller is authenticated by their token and
// then asked of the directory *now*; refusals are audited before they are answered. Unknown and
// forbidden request ids answer alike (404), after the same work, so ids cannot be probed.
import type { HttpRequest, InvocationContext } from "@azure/functions";
import type { ActionDelivery } from "../actions/delivery.js";
import type { ReadinessMonitor } from "../readiness/monitor.js";
import type { HealthMonitor } from "../health/monitor.js";
import { approverRefusal, type Refusal } from "../domain/access.js";
import type { ManagedCluster } from "../domain/clusters.js";
import { isRequestId } from "../domain/ids.js";
import { mayViewRequest, type WindowPolicy } from "../domain/policy.js";
import type { EvidencePlan } from "../domain/evidence.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { ClusterTag } from "../ports/fleet.js";
import type { ManagedClusters } from "../fleet/managedClusters.js";
import type { CredentialWatchStore } from "../ports/credentialWatch.js";
import type { Directory } from "../ports/directory.js";
import type { IdempotencyStore } from "../ports/idempotencyStore.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { lookUpMember, type GroupIds, type Member } from "../access/membership.js";
import { authenticate, type Principal, type VerifyToken } from "./authentication.js";
import type { Decisions } from "./decisions.js";
import { ApiError } from "./errors.js";

export interface ApiDependencies {
  /** The settings the API answers by (a part of the app's configuration). */
  readonly config: {
    /** The listed clusters (BREAKGLASS_CLUSTERS); the fleet adds those found by tag. */
    readonly clusters: readonly ManagedCluster[];
    readonly fleet: { readonly tag: ClusterTag | undefined };
    readonly policy: WindowPolicy;
  };
  /** The emergency and approver groups, asked of the directory for every caller. */
  readonly groups: GroupIds;
  readonly requests: RequestStore;
  /** The Idempotency-Keys of POST /api/requests, per requester. */
  readonly idempotency: IdempotencyStore;
  readonly directory: Directory;
  readonly clusterControl: ClusterControl;
  /** The managed clusters now: listed, and found by BREAKGLASS_CLUSTER_TAG (docs/design.md §12.3). */
  readonly fleet: ManagedClusters;
  readonly audit: AuditLog;
  readonly auditIndex: AuditIndex;
  readonly verifyToken: VerifyToken;
  readonly health: HealthMonitor;
  readonly readiness: Pick<ReadinessMonitor, "report">;
  readonly decisions: Decisions;
  readonly delivery: ActionDelivery;
  /** The workflow client of one invocation (Durable's client binding is per invocation). */
  readonly workflow: (context: InvocationContext) => WorkflowClient;
  readonly now: () => Date;
  readonly randomBytes: (size: number) => Uint8Array;
  /** How new requests' workflows collect evidence (the mode's plan); absent with BREAKGLASS_EVIDENCE=off. */
  readonly evidencePlan?: EvidencePlan;
  /** What the evidence watch found after a window closed. */
  readonly credentialWatch: Pick<CredentialWatchStore, "afterWindow">;
}

export class ApiAccess {
  constructor(private readonly deps: ApiDependencies) {}

  authenticate(request: HttpRequest): Promise<Principal> {
    return authenticate(request, this.deps.verifyToken);
  }

  /** What the directory says about this person now. */
  member(principal: Principal): Promise<Member> {
    return lookUpMember(this.deps.directory, this.deps.groups, principal.oid);
  }

  async caller(request: HttpRequest): Promise<{ principal: Principal; member: Member }> {
    const principal = await this.authenticate(request);
    return { principal, member: await this.member(principal) };
  }

  /** Audits a refusal and throws it as a 403. */
  async refuse(
    context: InvocationContext,
    who: Principal,
    action: string,
    cluster: string,
    refusal: Refusal,
  ): Promise<never> {
    await this.deps.decisions.recordRefusal(who, action, cluster, refusal, (message) => context.warn(message));
    throw new ApiError(403, refusal.code, refusal.message);
  }

  /** Lets only approvers through; anyone else's attempt is audited and refused. */
  async approverOnly(request: HttpRequest, context: InvocationContext, action: string): Promise<void> {
    const { principal, member } = await this.caller(request);
    const notApprover = approverRefusal(member.roles);
    if (notApprover) await this.refuse(context, principal, action, "", notApprover);
  }

  /**
   * The request with this id if the caller may see it, else 404. An unknown id and one
   * the caller may not see take the same work — one read of the store, the same questions to the
   * directory (through `member`, whoever the caller is) — so that not even the time of the answer
   * tells them apart.
   */
  async visibleRequest(id: string, principal: Principal, member: () => Promise<Member>): Promise<EmergencyRequest> {
    const [found, { roles }] = await Promise.all([isRequestId(id) ? this.deps.requests.get(id) : undefined, member()]);
    if (found && mayViewRequest(found, principal.oid, approverRefusal(roles) === undefined)) return found;
    throw new ApiError(404, "REQUEST_NOT_FOUND", `no request ${id} that you can see`);
  }
}
