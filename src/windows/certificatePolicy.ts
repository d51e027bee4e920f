// The certificate policy at lockdown (BREAKGLASS_ROTATE_CERTIFICATES), shared by the workflow and
// the watchdog: ask the Activity Log whether admin credentials were issued while local accounts
// were enabled, decide, and rotate when the decision says so.
import { decideCertificates, type CertificateOutcome, type RotateCertificates } from "../domain/certificates.js";
import type { ManagedCluster } from "../domain/clusters.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { ClusterControl, RotationResult } from "../ports/clusterControl.js";
import { TransientError } from "../ports/errors.js";

export interface CertificatePolicyDependencies {
  readonly activityLog: ActivityLogReader;
  readonly clusterControl: ClusterControl;
  readonly rotateCertificates: RotateCertificates;
}

/** Transient rotation failures are thrown (the caller retries); refusals are in the outcome. */
export async function applyCertificatePolicy(
  deps: CertificatePolicyDependencies,
  cluster: ManagedCluster,
  since: Date,
  until: Date,
): Promise<CertificateOutcome> {
  let fetches: number | undefined;
  try {
    fetches = (await deps.activityLog.adminCredentialFetches(cluster, since, until)).length;
  } catch (error) {
    if (!(error instanceof TransientError)) throw error;
  }
  const decision = decideCertificates(deps.rotateCertificates, fetches);
  const found = fetches === undefined ? {} : { fetches };
  if (decision.action !== "rotate") return { decision, ...found };
  return { decision, ...found, rotation: await applyRotation(deps.clusterControl, cluster) };
}

/** Rotates the cluster's certificates; a refusal is in the result, a transient failure is thrown. */
export async function applyRotation(
  clusterControl: Pick<ClusterControl, "rotateCertificates">,
  cluster: ManagedCluster,
): Promise<NonNullable<CertificateOutcome["rotation"]>> {
  const result: RotationResult = await clusterControl.rotateCertificates(cluster);
  if (result.kind === "rotated") return { ok: true };
  if (result.kind === "not-found")
    return { ok: false, code: "CLUSTER_NOT_FOUND", message: "the cluster no longer exists" };
  return { ok: false, code: result.code, message: result.message };
}
