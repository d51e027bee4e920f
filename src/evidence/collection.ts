// Collecting a closed window's evidence (docs/design.md §11): one query of the cluster's kube-audit
// log for what was done as `masterclient` from the enable to the lockdown. The workflow asks again
// until the count settles, because rows reach Log Analytics minutes after the call; each query is
// read-only, so the activity is idempotent.
import type { ManagedCluster } from "../domain/clusters.js";
import { summarizeAdminCalls } from "../domain/evidence.js";
import { TransientError } from "../ports/errors.js";
import type { KubeAuditLog } from "../ports/kubeAuditLog.js";
import type { ClusterAuthorization } from "../ports/readinessFacts.js";
import { sendsKubeAuditToWorkspace } from "../readiness/clusterChecks.js";
import type { EvidenceAnswer } from "../workflow/contracts.js";

export interface EvidenceCollectionDependencies {
  readonly kubeAudit: KubeAuditLog;
  readonly clusterAuthorization: Pick<ClusterAuthorization, "diagnosticSettings">;
}

/**
 * The calls as cluster-admin in [from, to], summarised. A cluster whose diagnostic settings say
 * that no kube-audit reaches a workspace is answered as such, without a query that would only find
 * nothing; settings that cannot be read leave the question to the log. A log that may answer later
 * (throttled, failing) is thrown as TransientError, its code first in the message, which is all
 * of it that reaches the workflow once Durable's retries give up.
 */
export async function collectEvidence(
  deps: EvidenceCollectionDependencies,
  { cluster, from, to }: { readonly cluster: ManagedCluster; readonly from: string; readonly to: string },
): Promise<EvidenceAnswer> {
  if (await sendsNoKubeAudit(deps, cluster)) {
    return {
      kind: "unavailable",
      code: "KUBE_AUDIT_OFF",
      reason: `${cluster.name} has no diagnostic setting that sends kube-audit logs to a Log Analytics workspace: what was done with cluster-admin was not recorded`,
    };
  }
  let answer;
  try {
    answer = await deps.kubeAudit.adminCalls(cluster, new Date(from), new Date(to));
  } catch (error) {
    if (error instanceof TransientError && !error.message.startsWith(`${error.code}:`))
      throw new TransientError(error.code, `${error.code}: ${error.message}`, error.retryAfterMs, { cause: error });
    throw error;
  }
  if (answer.kind === "unavailable") return answer;
  return { kind: "found", summary: summarizeAdminCalls(answer.calls, answer.truncated) };
}

async function sendsNoKubeAudit(deps: EvidenceCollectionDependencies, cluster: ManagedCluster): Promise<boolean> {
  try {
    const settings = await deps.clusterAuthorization.diagnosticSettings(cluster);
    return settings.kind === "read" && !settings.value.some(sendsKubeAuditToWorkspace);
  } catch {
    return false; // the settings are a shortcut to a clearer reason; the query itself still answers
  }
}
