// POST /api/dev/clusters (docs/design.md §6): one more simulated cluster, for fleet tests and the
// benchmark; its tags are what BREAKGLASS_CLUSTER_TAG finds.
import { z } from "zod";
import { parseManagedClusterId, type ManagedCluster } from "../domain/clusters.js";
import type { SimulatedClusterEditor } from "../ports/simulation.js";
import { readJsonBody } from "./body.js";
import { ApiError, jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

const TAGS_MAX = 50;
const newClusterBody = z
  .object({
    name: z.string().regex(/^[a-z0-9][-_a-z0-9]{0,62}$/i, "must be an AKS cluster name: 1-63 letters, digits, - or _"),
    tags: z
      .record(z.string().min(1).max(512), z.string().max(256))
      .refine((tags) => Object.keys(tags).length <= TAGS_MAX, { message: `must hold at most ${TAGS_MAX} tags` })
      .default({}),
  })
  .strict();

export function addClusterHandler(deps: { readonly clusterControl: SimulatedClusterEditor }): HttpHandler {
  return async (request) => {
    const { name, tags } = await readJsonBody(request, newClusterBody);
    const cluster = simulatedClusterNamed(name);
    if (!(await deps.clusterControl.addCluster(cluster, tags)))
      throw new ApiError(409, "CLUSTER_EXISTS", `the simulated world already has a cluster named ${name}`);
    return jsonResponse(201, { cluster: cluster.id, name: cluster.name, tags });
  };
}

/** Where the simulation puts the clusters it is asked to add: beside its first two (docs/design.md §6). */
const SIMULATED_RESOURCE_GROUP = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod";

function simulatedClusterNamed(name: string): ManagedCluster {
  const cluster = parseManagedClusterId(
    `${SIMULATED_RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/${name}`,
  );
  if (!cluster) throw new ApiError(400, "INVALID_REQUEST", `${name} is not an AKS cluster name`);
  return cluster;
}
