// GET /api/clusters: every managed cluster with its local-accounts switch as the control plane
// reports it now, and the windows open on it. A cluster that cannot be read shows "unknown".
import { mayViewClusters } from "../domain/access.js";
import type { ManagedCluster } from "../domain/clusters.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { ApiAccess, ApiDependencies } from "./apiAccess.js";
import { jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

/** Statuses in which a window exists on the cluster (or may, while it is being locked). */
const WINDOW_STATUSES = new Set(["opening", "open", "closing", "lockdown-failed"]);

export function listClustersHandler(deps: ApiDependencies, access: ApiAccess): HttpHandler {
  const overview = async (cluster: ManagedCluster, live: readonly EmergencyRequest[], warn: (m: string) => void) => {
    const openWindows = live
      .filter((found) => found.cluster.id.toLowerCase() === cluster.id.toLowerCase())
      .map((found) => ({ requestId: found.id, closesAt: found.window!.closesAt }));
    let localAccounts: "enabled" | "disabled" | "unknown" = "unknown";
    let provisioningState: string | null = null;
    try {
      const read = await deps.clusterControl.read(cluster);
      if (read.kind === "found") ({ localAccounts, provisioningState } = read.state);
    } catch (error) {
      warn(`could not read ${cluster.id}: ${String(error)}`);
    }
    return { id: cluster.id, name: cluster.name, localAccounts, provisioningState, openWindows };
  };

  return async (request, context) => {
    const { principal, member } = await access.caller(request);
    if (!mayViewClusters(member.roles)) {
      return access.refuse(context, principal, "list-clusters", "", {
        code: "NOT_AUTHORIZED",
        message: "only emergency-group members and approvers may see the clusters",
      });
    }
    const live = (await deps.requests.list({})).filter((found) => WINDOW_STATUSES.has(found.status) && found.window);
    const warn = (message: string) => context.warn(message);
    return jsonResponse(200, await Promise.all(deps.config.clusters.map((cluster) => overview(cluster, live, warn))));
  };
}
