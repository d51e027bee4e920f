// GET /api/requests/{id} (its requester, or an approver) and GET /api/requests (approvers only).
import { approverRefusal } from "../domain/access.js";
import { parseManagedClusterId } from "../domain/clusters.js";
import { isRequestStatus } from "../domain/lifecycle.js";
import { toLastActionView } from "../domain/actions.js";
import { toRequestView } from "../domain/request.js";
import type { ApiAccess, ApiDependencies } from "./apiAccess.js";
import { ApiError, jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

export function getRequestHandler(deps: Pick<ApiDependencies, "delivery">, access: ApiAccess): HttpHandler {
  return async (request) => {
    const principal = await access.authenticate(request);
    const found = await access.visibleRequest(request.params.id ?? "", principal, () => access.member(principal));
    const actions = await deps.delivery.lastActions(found.id);
    return jsonResponse(200, { ...toRequestView(found), actions: actions.map(toLastActionView) });
  };
}

export function listRequestsHandler(deps: Pick<ApiDependencies, "requests">, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const { principal, member } = await access.caller(request);
    const notApprover = approverRefusal(member.roles);
    if (notApprover) return access.refuse(context, principal, "list", "", notApprover);
    const status = request.query.get("status") ?? undefined;
    if (status !== undefined && !isRequestStatus(status))
      throw new ApiError(400, "INVALID_REQUEST", `status: unknown status "${status}"`);
    const clusterParam = request.query.get("cluster") ?? undefined;
    // Any AKS id, managed now or not: the requests on a cluster no longer tagged stay listable (docs/design.md §12.3).
    const cluster = clusterParam === undefined ? undefined : parseManagedClusterId(clusterParam);
    if (clusterParam !== undefined && !cluster)
      throw new ApiError(400, "INVALID_REQUEST", "cluster: not an AKS cluster's resource id");
    const found = await deps.requests.list({
      ...(status ? { status } : {}),
      ...(cluster ? { clusterId: cluster.id } : {}),
    });
    return jsonResponse(200, found.map(toRequestView));
  };
}
