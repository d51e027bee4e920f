// Which clusters break-glass manages: those listed by id, and every AKS cluster carrying the
// BREAKGLASS_CLUSTER_TAG in the named subscriptions (docs/design.md §12).
import type { ManagedCluster } from "./clusters.js";

/** The subscriptions one inventory query covers: the named ones, and those of listed clusters. */
export function fleetSubscriptions(listed: readonly ManagedCluster[], named: readonly string[]): readonly string[] {
  return [...new Set([...named, ...listed.map((cluster) => cluster.subscriptionId)].map((id) => id.toLowerCase()))];
}

/** The listed clusters, then the others, each once (ids compared case-insensitively; the first spelling wins). */
export function uniqueClusters(
  listed: readonly ManagedCluster[],
  found: readonly ManagedCluster[],
): readonly ManagedCluster[] {
  const seen = new Set<string>();
  return [...listed, ...found].filter((cluster) => {
    const key = cluster.id.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
