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

/** The categories (and category groups) that carry every call, gets and lists included. */
const EVERY_CALL = new Set(["kube-audit", "audit", "alllogs"]);

/** What the cluster's diagnostic settings send to a workspace now; unknown when they cannot be read. */
type Coverage = "all" | "admin-only" | "none" | "unknown";

/**
 * The calls as cluster-admin in [from, to], summarised. The log is always asked: the settings say
 * what it holds *now*, and rows of a setting removed since the window are still there. They explain
 * an empty answer (no kube-audit to a workspace: KUBE_AUDIT_OFF) and what an answer cannot hold
 * (kube-audit-admin leaves out every get and list). A log that may answer later (throttled,
 * failing) is thrown as TransientError, its code first in the message, which is all of it that
 * reaches the workflow once Durable's retries give up.
 */
export async function collectEvidence(
  deps: EvidenceCollectionDependencies,
  { cluster, from, to }: { readonly cluster: ManagedCluster; readonly from: string; readonly to: string },
): Promise<EvidenceAnswer> {
  const coverage = await coverageOf(deps, cluster);
  let answer;
  try {
    answer = await deps.kubeAudit.adminCalls(cluster, new Date(from), new Date(to));
  } catch (error) {
    if (error instanceof TransientError && !error.message.startsWith(`${error.code}:`))
      throw new TransientError(error.code, `${error.code}: ${error.message}`, error.retryAfterMs, { cause: error });
    throw error;
  }
  if (answer.kind === "unavailable") return answer;
  if (answer.calls.length === 0 && coverage === "none") {
    return {
      kind: "unavailable",
      code: "KUBE_AUDIT_OFF",
      reason: `${cluster.name} has no diagnostic setting that sends kube-audit logs to a Log Analytics workspace: what was done with cluster-admin was not recorded`,
    };
  }
  const gap = [COVERAGE_GAPS[coverage], answer.incomplete && `the log answered only in part: ${answer.incomplete}`]
    .filter(Boolean)
    .join("; ");
  return { kind: "found", summary: summarizeAdminCalls(answer.calls, answer.truncated), ...(gap ? { gap } : {}) };
}

/** What an answer cannot hold, by what the settings send now. */
const COVERAGE_GAPS: Readonly<Record<Coverage, string | undefined>> = {
  all: undefined,
  unknown: undefined,
  "admin-only": "the cluster sends kube-audit-admin only: gets and lists (reading secrets included) are not in its log",
  none: "no diagnostic setting sends kube-audit to a workspace now: only what was recorded before is shown",
};

async function coverageOf(deps: EvidenceCollectionDependencies, cluster: ManagedCluster): Promise<Coverage> {
  let settings;
  try {
    settings = await deps.clusterAuthorization.diagnosticSettings(cluster);
  } catch {
    return "unknown"; // the settings only explain an answer; the query itself still answers
  }
  if (settings.kind !== "read") return "unknown";
  const sending = settings.value.filter(sendsKubeAuditToWorkspace);
  if (sending.length === 0) return "none";
  const everything = sending.some((setting) =>
    setting.logCategories.some((category) => EVERY_CALL.has(category.toLowerCase())),
  );
  return everything ? "all" : "admin-only";
}
