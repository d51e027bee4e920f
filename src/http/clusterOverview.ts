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
import type { RequestStatus } from "../domain/lifecycle.js";
import type { FleetMember } from "../fleet/managedClusters.js";
import type { ApiAccess, ApiDependencies } from "./apiAccess.js";
import { jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

/** Statuses in which a window exists on the cluster (or may, while it is being locked). */
const WINDOW_STATUSES: readonly RequestStatus[] = ["opening", "open", "closing", "lockdown-failed"];

/** Set when the inventory could not be asked: the clusters are then the listed and the last seen tagged, each read through ARM. */
export const FLEET_HEADER = "X-Breakglass-Fleet";

type OpenWindowView = { readonly requestId: string; readonly closesAt: string };
type ClusterWindowsView = { readonly cluster: FleetMember["cluster"]; readonly windows: OpenWindowView[] };
type Dependencies = Pick<ApiDependencies, "fleet" | "requests" | "clusterControl">;

/**
 * The windows open now, by cluster id (lower case): one query of the request store, whatever the
 * fleet's size (`status` is not a key: a query per status would scan the table once each).
 */
async function openWindowsByCluster(deps: Dependencies): Promise<ReadonlyMap<string, ClusterWindowsView>> {
  const requests = await deps.requests.list({});
  const byCluster = new Map<string, ClusterWindowsView>();
  for (const found of requests) {
    if (!found.window || !WINDOW_STATUSES.includes(found.status)) continue;
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

export function listClustersHandler(deps: Dependencies, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const { principal, member } = await access.caller(request);
    if (!mayViewClusters(member.roles)) {
      return access.refuse(context, principal, "list-clusters", "", {
        code: "NOT_AUTHORIZED",
        message: "only emergency-group members and approvers may see the clusters",
      });
    }
    const [survey, windows] = await Promise.all([deps.fleet.survey(), openWindowsByCluster(deps)]);
    const warn = (message: string) => context.warn(message);
    if (survey.unavailable) warn(`the fleet inventory could not be asked: ${survey.unavailable.message}`);
    const managed = new Set(survey.members.map((member) => member.cluster.id.toLowerCase()));
    const unmanaged = [...windows.entries()]
      .filter(([key]) => !managed.has(key))
      .map(([, { cluster }]): FleetMember => ({ cluster, listed: false, observation: undefined }));
    const body = await Promise.all(
      [...survey.members, ...unmanaged].map((found) =>
        overview(deps, found, windows.get(found.cluster.id.toLowerCase())?.windows ?? [], warn),
      ),
    );
    return jsonResponse(200, body, survey.unavailable ? { [FLEET_HEADER]: "unavailable" } : {});
  };
}
