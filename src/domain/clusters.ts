// Managed clusters are named by their ARM resource id. ARM treats ids case-insensitively,
// so policy does too: the configured spelling is canonical, any casing of it matches.

export interface ManagedCluster {
  /** The ARM resource id exactly as configured. */
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

const CLUSTER_ID =
  /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/resourcegroups\/([-\w._()]{1,90})\/providers\/microsoft\.containerservice\/managedclusters\/([a-z0-9][-_a-z0-9]{0,62})$/i;

/** Parses an AKS managed-cluster ARM id, or returns undefined when the text is not one. */
export function parseManagedClusterId(text: string): ManagedCluster | undefined {
  const id = text.trim().replace(/\/+$/, "");
  const match = CLUSTER_ID.exec(id);
  if (!match) return undefined;
  const [, subscriptionId, resourceGroup, name] = match as unknown as [string, string, string, string];
  return { id, subscriptionId, resourceGroup, name };
}

/** Finds the managed cluster a client named, in any casing; undefined when it is not managed. */
export function findManagedCluster(
  managed: readonly ManagedCluster[],
  requestedId: string,
): ManagedCluster | undefined {
  const wanted = requestedId.trim().replace(/\/+$/, "").toLowerCase();
  return managed.find((cluster) => cluster.id.toLowerCase() === wanted);
}

/** A cluster named by a person: a managed cluster's name or id, or any AKS resource id (for the trail of a cluster no longer managed). */
export function clusterNamed(managed: readonly ManagedCluster[], text: string): ManagedCluster | undefined {
  return (
    findManagedCluster(managed, text) ??
    managed.find((cluster) => cluster.name.toLowerCase() === text.trim().toLowerCase()) ??
    parseManagedClusterId(text)
  );
}

/** A stable key for a cluster that is safe in Table Storage keys (ARM ids contain '/'). */
export function clusterKey(cluster: Pick<ManagedCluster, "id">): string {
  return cluster.id
    .toLowerCase()
    .replace(/^\/subscriptions\//, "")
    .replace(/\//g, "|");
}

/** The cluster a `clusterKey` was made from, its id in lower case (ARM ids match in any casing); undefined for any other key. */
export function clusterOfKey(key: string): ManagedCluster | undefined {
  return parseManagedClusterId(`/subscriptions/${key.replace(/\|/g, "/")}`);
}

/** The clusters a person means by `text` (see clusterNamed): several when many managed clusters share that name. */
export function clustersMeant(managed: readonly ManagedCluster[], text: string): readonly ManagedCluster[] {
  const wanted = text.trim().toLowerCase();
  const byName = managed.filter((cluster) => cluster.name.toLowerCase() === wanted);
  if (byName.length > 1) return byName;
  const cluster = clusterNamed(managed, text);
  return cluster ? [cluster] : [];
}
