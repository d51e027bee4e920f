// SKELETON (issue 17, being built): the simulated API server's kube-audit log, with an ingestion delay.
import type { ManagedCluster } from "../../domain/clusters.js";
import type { AdminCallsAnswer, KubeAuditLog } from "../../ports/kubeAuditLog.js";
import type { TableStorageSettings } from "../azure/tables.js";

export class SimulatedKubeAudit implements KubeAuditLog {
  constructor(
    private readonly settings: TableStorageSettings,
    private readonly now: () => Date,
  ) {}

  adminCalls(cluster: ManagedCluster, from: Date, to: Date): Promise<AdminCallsAnswer> {
    void this.settings;
    void this.now;
    throw new Error(`not built yet: ${cluster.id} ${from.toISOString()} ${to.toISOString()}`);
  }
}
