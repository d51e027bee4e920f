// What Resource Graph's rows of the fleet query prove (docs/design.md §12.1), read the same way for
// the real Resource Graph and the simulated one: the query is never trusted alone, so a row counts
// only when its id is an AKS managed-cluster id, and it is listed, or carries the tag and lies in a
// subscription of BREAKGLASS_SUBSCRIPTIONS (a listed cluster's subscription is queried, not opened to tags).
import { findManagedCluster, parseManagedClusterId } from "../../domain/clusters.js";
import { carriesTag } from "../../domain/fleetQuery.js";
import type { ClusterObservation, FleetQuery } from "../../ports/fleet.js";

/** One row of the query's answer (resultFormat objectArray), as Resource Graph sends it: not trusted. */
export type FleetRow = Readonly<Record<string, unknown>>;

/**
 * The observations the rows prove: each row whose id is an AKS managed-cluster id and that is
 * listed, or carries the tag (its name in any casing, its value exactly) in a tag subscription;
 * one per cluster (the first row wins), a listed cluster under its configured spelling.
 */
export function observationsOf(rows: readonly FleetRow[], query: FleetQuery): ClusterObservation[] {
  const seen = new Set<string>();
  const subscriptions = new Set(query.tagSubscriptions.map((id) => id.toLowerCase()));
  return rows.flatMap((row) => {
    const parsed = typeof row.id === "string" ? parseManagedClusterId(row.id) : undefined;
    if (!parsed || seen.has(parsed.id.toLowerCase())) return [];
    const listed = findManagedCluster(query.listed, parsed.id);
    const tagged = query.tag !== undefined && carriesTag(row.tags, query.tag.name, query.tag.value);
    if (!listed && !(tagged && subscriptions.has(parsed.subscriptionId.toLowerCase()))) return [];
    seen.add(parsed.id.toLowerCase());
    const powerState = typeof row.powerState === "string" && row.powerState ? row.powerState : undefined;
    return [
      {
        cluster: listed ?? parsed,
        // As in ARM: an absent disableLocalAccounts means local accounts are enabled.
        localAccounts: row.disableLocalAccounts === true ? "disabled" : "enabled",
        entraIntegration: row.aadManaged === true,
        provisioningState: typeof row.provisioningState === "string" ? row.provisioningState : "Unknown",
        ...(powerState ? { powerState } : {}),
        tagged,
      } satisfies ClusterObservation,
    ];
  });
}
