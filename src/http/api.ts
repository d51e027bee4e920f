// The HTTP API, assembled: each route's handler, each behind the one error boundary.
// Every handler authenticates, reads and checks its input, asks the directory who the caller is
// *now*, and only then touches state (see apiAccess.ts).
import { ApiAccess, type ApiDependencies } from "./apiAccess.js";
import { createAuditHandlers } from "./audit.js";
import { listClustersHandler } from "./clusterOverview.js";
import { jsonResponse } from "./errors.js";
import { endpoint } from "./handler.js";
import { closeRequestHandler, decideRequestHandler, extendRequestHandler, RequestActions } from "./requestActions.js";
import { requestEvidenceHandler } from "./evidence.js";
import { createRequestHandler, RequestCreation } from "./requestCreation.js";
import { getRequestHandler, listRequestsHandler } from "./requestQueries.js";
import { readinessHandler } from "./readiness.js";

export function createApiHandlers(deps: ApiDependencies) {
  const access = new ApiAccess(deps);
  const actions = new RequestActions(deps, access);
  const audit = createAuditHandlers({
    audit: deps.audit,
    auditIndex: deps.auditIndex,
    requests: deps.requests,
    now: deps.now,
    clusters: () => deps.fleet.list(),
    approverOnly: (request, context, action) => access.approverOnly(request, context, action),
  });
  return {
    createRequest: endpoint(createRequestHandler(new RequestCreation(deps, access), access)),
    getRequest: endpoint(getRequestHandler(deps, access)),
    requestEvidence: endpoint(requestEvidenceHandler(deps, access)),
    listRequests: endpoint(listRequestsHandler(deps, access)),
    approveRequest: endpoint(decideRequestHandler("approve", deps, access)),
    denyRequest: endpoint(decideRequestHandler("deny", deps, access)),
    closeRequest: endpoint(closeRequestHandler(actions, access)),
    extendRequest: endpoint(extendRequestHandler(actions, access)),
    listClusters: endpoint(listClustersHandler(deps, access)),
    readiness: endpoint(
      readinessHandler({
        readiness: deps.readiness,
        approverOnly: (request, context, action) => access.approverOnly(request, context, action),
      }),
    ),
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
