// GET /api/clusters: every managed cluster (the fleet's: listed, and found by tag) with its
// local-accounts switch and the windows open on it. The switch is as the inventory last saw it
// (seconds to minutes old) where that is the steady state — locked, no window — and as ARM says now
// for the few clusters where it matters or the inventory is silent: those with an open window, those
// the inventory saw enabled, those it did not see. So a fleet of 1,000 locked clusters costs one
// inventory query, not 1,000 ARM reads (docs/design.md §12.3). `stateFrom` says which answered. A
// cluster that cannot be read shows "unknown". A cluster no longer managed (untagged) while a window
// is open on it is listed too, read through ARM, until the window has closed: its local accounts
// are enabled, which is what someone looking at this list must see.
import { mayViewClusters } from "../domain/access.js";
import { holdsWindow } from "../domain/lifecycle.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { FleetMember } from "../fleet/managedClusters.js";
import type { ApiAccess, ApiDependencies } from "./apiAccess.js";
import { jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

/** Set when the inventory could not be asked: the clusters are then the listed and the last seen tagged, each read through ARM. */
export const FLEET_HEADER = "X-Breakglass-Fleet";

type OpenWindowView = { readonly requestId: string; readonly closesAt: string };
type ClusterWindowsView = { readonly cluster: FleetMember["cluster"]; readonly windows: OpenWindowView[] };
type Dependencies = Pick<ApiDependencies, "fleet" | "requests" | "clusterControl">;

/**
 * The windows open now, by cluster id (lower case), from one query of the request store, whatever
 * the fleet's size (`status` is not a key: a query per status would scan the table once each).
 */
function openWindowsByCluster(requests: readonly EmergencyRequest[]): ReadonlyMap<string, ClusterWindowsView> {
  const byCluster = new Map<string, ClusterWindowsView>();
  for (const found of requests) {
    if (!found.window || !holdsWindow(found.status)) continue;
    const key = found.cluster.id.toLowerCase();
    const windows = [...(byCluster.get(key)?.windows ?? []), { requestId: found.id, closesAt: found.window.closesAt }];
    byCluster.set(key, { cluster: found.cluster, windows });
  }
  return byCluster;
}

async function overview(
  deps: Dependencies,
  { cluster, observation }: FleetMember,
  openWindows: readonly OpenWindowView[],
  warn: (message: string) => void,
) {
  const base = { id: cluster.id, name: cluster.name };
  if (observation && observation.localAccounts === "disabled" && openWindows.length === 0) {
    const { localAccounts, provisioningState } = observation;
    return { ...base, localAccounts, provisioningState, stateFrom: "inventory", openWindows };
  }
  let localAccounts: "enabled" | "disabled" | "unknown" = "unknown";
  let provisioningState: string | null = null;
  try {
    const read = await deps.clusterControl.read(cluster);
    if (read.kind === "found") ({ localAccounts, provisioningState } = read.state);
  } catch (error) {
    warn(`could not read ${cluster.id}: ${String(error)}`);
  }
  return { ...base, localAccounts, provisioningState, stateFrom: "arm", openWindows };
}

/** A managed cluster as GET /api/clusters and the console's Clusters section show it. */
export type ClusterState = Awaited<ReturnType<typeof overview>>;

/**
 * Every managed cluster's state now; `unavailable` when the inventory could not be asked. `requests`
 * are all the requests (a caller that has them already passes them: one scan of the store, not two).
 */
export async function clusterStates(
  deps: Dependencies,
  warn: (message: string) => void,
  requests: Promise<readonly EmergencyRequest[]> = deps.requests.list({}),
): Promise<{ readonly clusters: readonly ClusterState[]; readonly unavailable: boolean }> {
  const [survey, windows] = await Promise.all([deps.fleet.survey(), requests.then(openWindowsByCluster)]);
  if (survey.unavailable) warn(`the fleet inventory could not be asked: ${survey.unavailable.message}`);
  const managed = new Set(survey.members.map((member) => member.cluster.id.toLowerCase()));
  const unmanaged = [...windows.entries()]
    .filter(([key]) => !managed.has(key))
    .map(([, { cluster }]): FleetMember => ({ cluster, listed: false, observation: undefined }));
  const clusters = await Promise.all(
    [...survey.members, ...unmanaged].map((found) =>
      overview(deps, found, windows.get(found.cluster.id.toLowerCase())?.windows ?? [], warn),
    ),
  );
  return { clusters, unavailable: survey.unavailable !== undefined };
}

export function listClustersHandler(deps: Dependencies, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const { principal, member } = await access.caller(request);
    if (!mayViewClusters(member.roles)) {
      return access.refuse(context, principal, "list-clusters", "", {
        code: "NOT_AUTHORIZED",
        message: "only emergency-group members and approvers may see the clusters",
      });
    }
    const { clusters, unavailable } = await clusterStates(deps, (message) => context.warn(message));
    return jsonResponse(200, clusters, unavailable ? { [FLEET_HEADER]: "unavailable" } : {});
  };
}
