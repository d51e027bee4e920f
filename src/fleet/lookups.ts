// The question POST /api/requests asks of the fleet (docs/design.md §12.3): may a window be asked
// for on this cluster now.
import { findManagedCluster, parseManagedClusterId, type ManagedCluster } from "../domain/clusters.js";
import type { FleetSurvey, ManagedClusters } from "./managedClusters.js";

/** What the lookups know besides the fleet: the listed clusters, and whether a tag finds others. */
export interface FleetLookupSettings {
  readonly listed: readonly ManagedCluster[];
  readonly tagged: boolean;
}

/**
 * The managed cluster a window may be asked for now, or undefined when it is neither listed nor
 * tagged. A listed cluster is answered without the inventory. Any other is confirmed with a fresh
 * inventory answer, not the cached one: a tag removed a moment ago then stops new requests within
 * the inventory's own lag instead of that lag plus FLEET_CACHE_MS. When the inventory cannot be
 * asked, a cluster last seen tagged stays requestable (an emergency during an inventory outage
 * must still be served, and its window still needs approval); one never seen throws the
 * TransientError FLEET_UNAVAILABLE (503), since whether it is managed cannot be known.
 */
export async function requestableCluster(
  fleet: ManagedClusters,
  settings: FleetLookupSettings,
  id: string,
): Promise<ManagedCluster | undefined> {
  const listed = findManagedCluster(settings.listed, id);
  // Text that names no AKS cluster is answered without a query (each one counts against Resource Graph's throttle).
  if (listed || !settings.tagged || !parseManagedClusterId(id)) return listed;
  const fresh = await fleet.survey();
  if (!fresh.unavailable) return memberWithId(fresh, id);
  return fleet.find(id);
}

/** Every managed cluster of a survey. */
export function surveyed(survey: FleetSurvey): readonly ManagedCluster[] {
  return survey.members.map((member) => member.cluster);
}

function memberWithId(survey: FleetSurvey, id: string): ManagedCluster | undefined {
  return findManagedCluster(surveyed(survey), id);
}
