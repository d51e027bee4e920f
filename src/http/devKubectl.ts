// POST /api/dev/clusters/{name}/kubectl (docs/design.md §6): one call made with an admin kubeconfig,
// as the simulated API server answers it. As in AKS, the kubeconfig's client certificate (user
// masterclient, group system:masters) is not revoked by disabling local accounts again, only by
// rotating the cluster's certificates: a call succeeds while an admin credential was fetched since
// the last rotation, and kube-audit records it (simulatedKubeAudit.ts).
import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import type { HttpRequest } from "@azure/functions";
import { z } from "zod";
import type { ManagedCluster } from "../domain/clusters.js";
import { KUBE_ADMIN_USER, type AdminCall } from "../domain/evidence.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { SimulatedClusterEditor, SimulatedKubeAuditRecorder } from "../ports/simulation.js";
import { authenticate, type VerifyToken } from "./authentication.js";
import { readJsonBody } from "./body.js";
import { ApiError, jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

export interface KubectlDependencies {
  readonly clusterControl: Pick<SimulatedClusterEditor, "facts" | "lastCertificateRotation">;
  readonly activityLog: Pick<ActivityLogReader, "adminCredentialFetches">;
  readonly kubeAudit: SimulatedKubeAuditRecorder;
  readonly verifyToken: VerifyToken;
  readonly now: () => Date;
}

export const KUBERNETES_VERBS = [
  "get",
  "list",
  "watch",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
] as const;

/** Where a call comes from when the request names no client address: TEST-NET-1 (RFC 5737), no real host. */
export const SIMULATED_SOURCE_IP = "192.0.2.10";

/** Verbs that act on the whole collection, and verbs that act on one named object. */
const COLLECTION_VERBS: readonly string[] = ["list", "deletecollection"];
const OBJECT_VERBS: readonly string[] = ["get", "update", "patch", "delete"];

const kubectlBody = z
  .object({
    verb: z.enum(KUBERNETES_VERBS),
    resource: z
      .string()
      .max(127)
      .regex(
        /^[a-z][a-z0-9-]{0,62}(?:\/[a-z][a-z0-9-]{0,62})?$/,
        "must be a resource type in lower case, with its subresource if any (pods, pods/exec)",
      ),
    namespace: z
      .string()
      .max(63)
      .regex(/^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/, "must be a namespace name (a-z, 0-9 and inner -)")
      .optional(),
    name: z
      .string()
      .max(253)
      .regex(/^[a-z0-9](?:[-a-z0-9.:]*[a-z0-9])?$/, "must be an object name (a-z, 0-9 and inner - . :)")
      .optional(),
  })
  .strict()
  .superRefine(({ verb, name }, ctx) => {
    if (name !== undefined && COLLECTION_VERBS.includes(verb))
      ctx.addIssue({ code: "custom", path: ["name"], message: `${verb} acts on a collection: it takes no name` });
    if (name === undefined && OBJECT_VERBS.includes(verb))
      ctx.addIssue({ code: "custom", path: ["name"], message: `${verb} acts on one object: it needs its name` });
  });

/** The simulated API server answering a call made with an admin kubeconfig. */
export function kubectlHandler(
  deps: KubectlDependencies,
  clusterOf: (request: HttpRequest) => Promise<ManagedCluster>,
): HttpHandler {
  return async (request) => {
    await authenticate(request, deps.verifyToken);
    const body = await readJsonBody(request, kubectlBody);
    const cluster = await clusterOf(request);
    if (!(await deps.clusterControl.facts(cluster)))
      throw new ApiError(404, "UNKNOWN_CLUSTER", `cluster ${cluster.name} does not exist`);
    const now = deps.now();
    await assertAdminCredential(deps, cluster, now);
    const call: AdminCall = {
      id: randomUUID(),
      at: now.toISOString(),
      verb: body.verb,
      resource: body.resource,
      namespace: body.namespace ?? "",
      name: body.name ?? "",
      user: KUBE_ADMIN_USER,
      sourceIp: sourceIpOf(request),
      status: body.verb === "create" ? 201 : 200,
    };
    await deps.kubeAudit.record(cluster, call);
    const { id, ...answered } = call;
    return jsonResponse(200, { cluster: cluster.id, ...answered, auditId: id });
  };
}

/**
 * The API server's 401 to a client certificate the cluster no longer trusts: every admin kubeconfig
 * fetched before the last rotation. A fetch in the rotation's own millisecond counts as before it,
 * since a rotation takes minutes and the Activity Log dates it when it was asked.
 */
async function assertAdminCredential(deps: KubectlDependencies, cluster: ManagedCluster, now: Date): Promise<void> {
  const rotated = await deps.clusterControl.lastCertificateRotation(cluster);
  const fetches = await deps.activityLog.adminCredentialFetches(cluster, rotated ?? new Date(0), now);
  if (fetches.some((fetch) => !rotated || Date.parse(fetch.at) > rotated.getTime())) return;
  const since = rotated ? ` since the certificates were last rotated (${rotated.toISOString()})` : "";
  throw new ApiError(
    401,
    "ADMIN_CREDENTIAL_INVALID",
    `no admin kubeconfig for ${cluster.name} is valid: none was fetched${since} (az aks get-credentials --admin)`,
  );
}

/** The client address the host forwards (the first of X-Forwarded-For), else the simulation's own. */
function sourceIpOf(request: HttpRequest): string {
  const forwarded = (request.headers.get("x-forwarded-for") ?? "").split(",")[0]!.trim();
  return isIP(forwarded) ? forwarded : SIMULATED_SOURCE_IP;
}
