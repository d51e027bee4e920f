// The HTTP API of DESIGN §4. Each handler authenticates, reads and checks its input, asks the
// directory who the caller is *now*, and only then touches state. Refusals are audited.
// Unknown and forbidden request ids answer alike (404), so ids cannot be probed.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { z } from "zod";
import type { Config } from "../app/config.js";
import type { HealthMonitor } from "../health/monitor.js";
import { approverRefusal, mayViewClusters, requesterRefusal, type Refusal } from "../domain/access.js";
import { findManagedCluster } from "../domain/clusters.js";
import { isRequestId, newRequestId, REQUEST_ID_RANDOM_BYTES } from "../domain/ids.js";
import { acceptsClose, isRequestStatus } from "../domain/lifecycle.js";
import { decideDuration, decideExtension, sameOid } from "../domain/policy.js";
import { START_FAILED, toRequestView, type EmergencyRequest } from "../domain/request.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { Directory } from "../ports/directory.js";
import { TransientError } from "../ports/errors.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { WindowWorkflowInput, WorkflowClient } from "../ports/workflowClient.js";
import { lookUpMember, type Member } from "../access/membership.js";
import { createAuditHandlers } from "./audit.js";
import { authenticate, type Principal, type VerifyToken } from "./authentication.js";
import { personOf, type Decisions } from "./decisions.js";
import { readJsonBody } from "./body.js";
import { ApiError, errorResponse, jsonResponse } from "./errors.js";

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export interface ApiDependencies {
  readonly config: Pick<Config, "mode" | "clusters" | "policy" | "emergencyGroupId" | "approverGroupId">;
  readonly requests: RequestStore;
  readonly directory: Directory;
  readonly clusters: ClusterControl;
  readonly audit: AuditLog;
  readonly auditIndex: AuditIndex;
  readonly verifyToken: VerifyToken;
  readonly health: HealthMonitor;
  readonly decisions: Decisions;
  /** The workflow client of one invocation (Durable's client binding is per invocation). */
  readonly workflow: (context: InvocationContext) => WorkflowClient;
  readonly now: () => Date;
  readonly randomBytes: (size: number) => Uint8Array;
}

const createRequestBody = z
  .object({
    cluster: z.string().trim().min(1).max(512),
    justification: z.string().trim().min(1).max(2000),
    ticket: z.string().trim().min(1).max(200),
    duration: z.string().trim().min(1).max(40).optional(),
  })
  .strict();
const approveBody = z.object({}).strict();
const denyBody = z.object({ reason: z.string().trim().max(1000).optional() }).strict();
const closeBody = z.object({}).strict();
const extendBody = z.object({ duration: z.string().trim().min(1).max(40) }).strict();

/** Statuses in which a window exists on the cluster (or may, while it is being locked). */
const WINDOW_STATUSES = new Set(["opening", "open", "closing", "lockdown-failed"]);

/** Wraps a handler so that every failure goes through the one error mapping. */
export function endpoint(handler: HttpHandler): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

export function createApiHandlers(deps: ApiDependencies) {
  const groups = { emergencyGroupId: deps.config.emergencyGroupId, approverGroupId: deps.config.approverGroupId };
  const decisions = deps.decisions;

  const caller = async (request: HttpRequest): Promise<{ principal: Principal; member: Member }> => {
    const principal = await authenticate(request, deps.verifyToken);
    return { principal, member: await lookUpMember(deps.directory, groups, principal.oid) };
  };

  /** Audits a refusal and throws it as a 403. */
  const refuse = async (
    context: InvocationContext,
    who: Principal,
    action: string,
    cluster: string,
    refusal: Refusal,
  ): Promise<never> => {
    await decisions.recordRefusal(who, action, cluster, refusal, (message) => context.warn(message));
    throw new ApiError(403, refusal.code, refusal.message);
  };

  /** The request with this id if the caller may see it (its requester, or an approver); else 404. */
  const visibleRequest = async (request: HttpRequest, principal: Principal, member: () => Promise<Member>) => {
    const id = request.params.id ?? "";
    const notFound = new ApiError(404, "REQUEST_NOT_FOUND", `no request ${id} that you can see`);
    if (!isRequestId(id)) throw notFound;
    const found = await deps.requests.get(id);
    if (!found) throw notFound;
    if (sameOid(found.requester.oid, principal.oid)) return found;
    if (approverRefusal((await member()).roles) === undefined) return found;
    throw notFound;
  };

  const audit = createAuditHandlers({
    audit: deps.audit,
    auditIndex: deps.auditIndex,
    requests: deps.requests,
    now: deps.now,
    clusters: deps.config.clusters,
    async approverOnly(request, context, action) {
      const { principal, member } = await caller(request);
      const notApprover = approverRefusal(member.roles);
      if (notApprover) await refuse(context, principal, action, "", notApprover);
    },
  });

  const decide = (type: "approve" | "deny"): HttpHandler =>
    endpoint(async (request, context) => {
      const principal = await authenticate(request, deps.verifyToken);
      const body: { reason?: string } = await readJsonBody(request, type === "deny" ? denyBody : approveBody, {
        emptyAllowed: true,
      });
      const decision = type === "approve" ? { type } : { type, ...(body.reason ? { reason: body.reason } : {}) };
      const result = await decisions.decide(
        principal,
        request.params.id ?? "",
        decision,
        deps.workflow(context),
        (message) => context.warn(message),
      );
      if (result.kind === "refused") throw result.error;
      return jsonResponse(202, { id: result.request.id, accepted: type, status: result.request.status });
    });

  return {
    createRequest: endpoint(async (request, context) => {
      const principal = await authenticate(request, deps.verifyToken);
      const body = await readJsonBody(request, createRequestBody);
      const member = await lookUpMember(deps.directory, groups, principal.oid);
      const notRequester = requesterRefusal(member.roles);
      if (notRequester) return refuse(context, principal, "request", body.cluster, notRequester);
      const cluster = findManagedCluster(deps.config.clusters, body.cluster);
      if (!cluster) {
        return refuse(context, principal, "request", body.cluster, {
          code: "CLUSTER_NOT_MANAGED",
          message: "that cluster is not managed by this break-glass deployment",
        });
      }
      const duration = decideDuration(body.duration, deps.config.policy);
      if (!duration.ok) throw new ApiError(400, "INVALID_DURATION", duration.message);

      const now = deps.now();
      const at = now.toISOString();
      const created: EmergencyRequest = {
        id: newRequestId(now.getTime(), deps.randomBytes(REQUEST_ID_RANDOM_BYTES)),
        cluster,
        requester: personOf(member, principal),
        justification: body.justification,
        ticket: body.ticket,
        duration: duration.iso,
        durationMs: duration.ms,
        maxDurationMs: deps.config.policy.maxDurationMs,
        requestedAt: at,
        approvalDeadline: new Date(now.getTime() + deps.config.policy.approvalTimeoutMs).toISOString(),
        requiredApprovals: deps.config.policy.requiredApprovals,
        status: "pending-approval",
        approvals: [],
        updatedAt: at,
      };
      const stored = await deps.requests.create(created);
      if (stored.kind === "live-request-exists") {
        throw new ApiError(
          409,
          "LIVE_REQUEST_EXISTS",
          `you already have request ${stored.existingId} on this cluster; close it or wait for it to end`,
        );
      }
      try {
        await deps.workflow(context).startWindow(workflowInput(created, deps.config.policy.approvalTimeoutMs));
      } catch (error) {
        context.error(`could not start the workflow for ${created.id}:`, error);
        await deps.requests.recordProgress(created.id, {
          status: "failed",
          at,
          outcome: { code: START_FAILED, message: "the workflow could not be started; nothing was changed", at },
        });
        throw new TransientError("WORKFLOW_START_FAILED", "the workflow could not be started", undefined, {
          cause: error,
        });
      }
      return jsonResponse(202, toRequestView(created), { Location: `/api/requests/${created.id}` });
    }),

    getRequest: endpoint(async (request) => {
      const principal = await authenticate(request, deps.verifyToken);
      const found = await visibleRequest(request, principal, () => lookUpMember(deps.directory, groups, principal.oid));
      return jsonResponse(200, toRequestView(found));
    }),

    listRequests: endpoint(async (request, context) => {
      const { principal, member } = await caller(request);
      const notApprover = approverRefusal(member.roles);
      if (notApprover) return refuse(context, principal, "list", "", notApprover);
      const status = request.query.get("status") ?? undefined;
      if (status !== undefined && !isRequestStatus(status))
        throw new ApiError(400, "INVALID_REQUEST", `status: unknown status "${status}"`);
      const clusterParam = request.query.get("cluster") ?? undefined;
      const cluster = clusterParam === undefined ? undefined : findManagedCluster(deps.config.clusters, clusterParam);
      if (clusterParam !== undefined && !cluster)
        throw new ApiError(400, "INVALID_REQUEST", "cluster: not a managed cluster");
      const found = await deps.requests.list({
        ...(status ? { status } : {}),
        ...(cluster ? { clusterId: cluster.id } : {}),
      });
      return jsonResponse(200, found.map(toRequestView));
    }),

    approveRequest: decide("approve"),
    denyRequest: decide("deny"),

    closeRequest: endpoint(async (request, context) => {
      const principal = await authenticate(request, deps.verifyToken);
      await readJsonBody(request, closeBody, { emptyAllowed: true });
      let member: Member | undefined;
      const lookUp = async () => (member ??= await lookUpMember(deps.directory, groups, principal.oid));
      const found = await visibleRequest(request, principal, lookUp);
      if (!acceptsClose(found.status))
        throw new ApiError(409, "NOT_OPEN", `request ${found.id} is ${found.status}; there is nothing to close`);
      const actor = personOf(await lookUp(), principal);
      await deps.workflow(context).sendAction(found.id, { type: "close", actor, at: deps.now().toISOString() });
      return jsonResponse(202, { id: found.id, accepted: "close", status: found.status });
    }),

    extendRequest: endpoint(async (request, context) => {
      const principal = await authenticate(request, deps.verifyToken);
      const { duration } = await readJsonBody(request, extendBody);
      const member = await lookUpMember(deps.directory, groups, principal.oid);
      const found = await visibleRequest(request, principal, async () => member);
      if (!sameOid(found.requester.oid, principal.oid)) {
        return refuse(context, principal, "extend", found.cluster.id, {
          code: "NOT_REQUESTER",
          message: "only the requester may ask to extend a window",
        });
      }
      const notRequester = requesterRefusal(member.roles);
      if (notRequester) return refuse(context, principal, "extend", found.cluster.id, notRequester);
      if (found.status !== "open" || !found.window)
        throw new ApiError(
          409,
          "NOT_OPEN",
          `request ${found.id} is ${found.status}; only an open window can be extended`,
        );
      if (found.extension?.status === "pending")
        throw new ApiError(409, "EXTENSION_PENDING", "an extension of this window already awaits approval");
      const allowed = decideExtension(found.window, duration, found.maxDurationMs);
      if (!allowed.ok) throw new ApiError(400, "INVALID_DURATION", allowed.message);
      const actor = personOf(member, principal);
      await deps
        .workflow(context)
        .sendAction(found.id, { type: "extend", actor, at: deps.now().toISOString(), duration: allowed.iso });
      return jsonResponse(202, { id: found.id, accepted: "extend", status: found.status, closesAt: allowed.closesAt });
    }),

    listClusters: endpoint(async (request, context) => {
      const { principal, member } = await caller(request);
      if (!mayViewClusters(member.roles)) {
        return refuse(context, principal, "list-clusters", "", {
          code: "NOT_AUTHORIZED",
          message: "only emergency-group members and approvers may see the clusters",
        });
      }
      const live = (await deps.requests.list({})).filter((found) => WINDOW_STATUSES.has(found.status) && found.window);
      const clusters = await Promise.all(
        deps.config.clusters.map(async (cluster) => {
          const openWindows = live
            .filter((found) => found.cluster.id.toLowerCase() === cluster.id.toLowerCase())
            .map((found) => ({ requestId: found.id, closesAt: found.window!.closesAt }));
          let localAccounts: "enabled" | "disabled" | "unknown" = "unknown";
          let provisioningState: string | null = null;
          try {
            const read = await deps.clusters.read(cluster);
            if (read.kind === "found") ({ localAccounts, provisioningState } = read.state);
          } catch (error) {
            context.warn(`could not read ${cluster.id}: ${String(error)}`);
          }
          return { id: cluster.id, name: cluster.name, localAccounts, provisioningState, openWindows };
        }),
      );
      return jsonResponse(200, clusters);
    }),

    /** A request's audit trail, oldest first (approvers only). */
    readAudit: endpoint(audit.readAudit),
    verifyAudit: endpoint(audit.verifyAudit),

    health: endpoint(async () => {
      const report = await deps.health.report();
      return jsonResponse(report.status === "ok" ? 200 : 503, report);
    }),
  };
}

export type ApiHandlers = ReturnType<typeof createApiHandlers>;

function workflowInput(request: EmergencyRequest, approvalTimeoutMs: number): WindowWorkflowInput {
  const {
    id,
    cluster,
    requester,
    justification,
    ticket,
    duration,
    durationMs,
    maxDurationMs,
    requestedAt,
    approvalDeadline,
    requiredApprovals,
  } = request;
  return {
    id,
    cluster,
    requester,
    justification,
    ticket,
    duration,
    durationMs,
    maxDurationMs,
    requestedAt,
    approvalDeadline,
    requiredApprovals,
    approvalTimeoutMs,
  };
}
