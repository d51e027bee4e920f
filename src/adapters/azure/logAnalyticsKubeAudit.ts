// SKELETON (issue 17, being built): kube-audit through Log Analytics, queried in the cluster's resource context.
import type { TokenCredential } from "@azure/core-auth";
import type { ManagedCluster } from "../../domain/clusters.js";
import type { AdminCallsAnswer, KubeAuditLog } from "../../ports/kubeAuditLog.js";

export interface LogAnalyticsOptions {
  /** BREAKGLASS_LOGS_ENDPOINT. */
  readonly endpoint: string;
  readonly maxRetries?: number;
  readonly timeoutMs?: number;
}

export class LogAnalyticsKubeAudit implements KubeAuditLog {
  constructor(
    private readonly credential: TokenCredential,
    private readonly options: LogAnalyticsOptions,
  ) {}

  adminCalls(cluster: ManagedCluster, from: Date, to: Date): Promise<AdminCallsAnswer> {
    void this.credential;
    void this.options;
    throw new Error(`not built yet: ${cluster.id} ${from.toISOString()} ${to.toISOString()}`);
  }
}
