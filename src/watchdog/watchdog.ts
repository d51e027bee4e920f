// The watchdog (timer, BREAKGLASS_WATCHDOG_SCHEDULE): the second line of the invariant, for when a
// workflow is lost, stuck or terminated, or someone flips the switch by hand. For every managed
// cluster it removes windows whose deadline passed more than a grace period ago (saying why their
// workflow did not close them), locks the cluster when no window remains and local accounts are
// still enabled, treats local accounts enabled with no window as drift (BREAKGLASS_DRIFT_ACTION),
// and alerts — without acting — when a cluster cannot be locked at all or cannot be read.
// Conditions that persist are alerted once, when they begin, not at every run.
import { applyCertificatePolicy, type CertificatePolicyDependencies } from "../windows/certificatePolicy.js";
import type { ClusterAccess } from "../windows/clusterAccess.js";
import type { DriftAction } from "../domain/modes.js";
import { type AuditFields } from "../domain/audit.js";
import { auditNonces, watchdogAuditEntry } from "../domain/auditChain.js";
import { recordEndAsFound } from "../audit/verification.js";
import type { ManagedCluster } from "../domain/clusters.js";
import { renderClusterAlert, type ClusterAlert } from "../domain/notifications.js";
import { overdueWindows, withoutWindow, type OpenWindow } from "../domain/windows.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { Directory } from "../ports/directory.js";
import { TransientError } from "../ports/errors.js";
import type { Notifier } from "../ports/notifier.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { WatchdogMemory } from "../ports/watchdogMemory.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";
import type { WorkflowClient, WorkflowStatus } from "../ports/workflowClient.js";
import { alertRecipients, unique } from "../access/recipients.js";

/** How late a window may be before the watchdog takes over from its workflow. */
export const WATCHDOG_GRACE_MS = 2 * 60_000;

export interface WatchdogDependencies extends CertificatePolicyDependencies {
  readonly clustersToWatch: readonly ManagedCluster[];
  readonly driftAction: DriftAction;
  readonly registry: WindowRegistry;
  readonly access: ClusterAccess;
  readonly clusters: ClusterControl;
  readonly requests: RequestStore;
  readonly audit: AuditLog;
  readonly auditIndex: Pick<AuditIndex, "add" | "get" | "recordClosedHead">;
  readonly notifier: Notifier;
  readonly directory: Directory;
  readonly approverGroupId: string;
  readonly alertEmails: readonly string[];
  readonly memory: WatchdogMemory;
  readonly now: () => Date;
  readonly randomBytes: (size: number) => Uint8Array;
  readonly log: (message: string) => void;
}

/** What the watchdog did on one cluster in one run. */
export interface ClusterReport {
  readonly cluster: string;
  readonly pruned: readonly string[];
  readonly action: "none" | "locked" | "lock-deferred" | "lock-failed" | "drift-alerted";
  readonly condition?: string;
}

export function createWatchdog(deps: WatchdogDependencies) {
  const nonce = auditNonces(deps.randomBytes);
  const audit = async (fields: Omit<AuditFields, "at" | "actor">) => {
    try {
      await deps.audit.append(watchdogAuditEntry(nonce(), { ...fields, at: deps.now().toISOString(), actor: null }));
    } catch (error) {
      deps.log(`watchdog could not audit ${fields.type}: ${String(error)}`);
    }
  };

  const alert = async (message: ClusterAlert, extraRecipients: readonly string[] = []) => {
    const emails = unique([
      ...(await alertRecipients(deps.directory, deps.approverGroupId, deps.alertEmails, deps.log)),
      ...extraRecipients,
    ]);
    const deliveries = await deps.notifier.send({
      ...renderClusterAlert(message),
      recipients: { emails, teams: true },
    });
    for (const delivery of deliveries.filter((candidate) => !candidate.ok))
      deps.log(`watchdog alert not delivered (${delivery.channel}): ${delivery.error ?? ""}`);
  };

  /** Alerts a lasting condition when it begins; clears the memory when it ends. */
  const condition = async (cluster: ManagedCluster, current: ClusterAlert | undefined) => {
    const name = current?.kind;
    if ((await deps.memory.lastCondition(cluster)) === name) return;
    await deps.memory.remember(cluster, name);
    if (current) {
      await alert(current);
      await audit({
        type: "watchdog-alert",
        cluster: cluster.id,
        outcome: "failure",
        code: current.kind.toUpperCase().replace(/-/g, "_"),
      });
    }
  };

  /** Why a window's workflow did not close it, from its Durable status and the stored request. */
  const explain = async (
    window: OpenWindow,
    workflow: WorkflowClient,
  ): Promise<{ reason: string; status: WorkflowStatus | "unknown" }> => {
    const status = await workflow.status(window.requestId).catch(() => "unknown" as const);
    const reasons: Record<WorkflowStatus | "unknown", string> = {
      running: "its workflow missed the deadline (it is still running, late or stuck)",
      terminated: "its workflow was terminated",
      failed: "its workflow failed",
      completed: "its workflow ended without closing it",
      "not-found": "no workflow exists for it",
      unknown: "its workflow could not be asked about it",
    };
    return { reason: reasons[status], status };
  };

  /** Nor will the workflow record where the trail ends, which verification expects of an ended request. */
  const recordTrailEnd = async (requestId: string) => {
    try {
      const recorded = await recordEndAsFound(deps.audit, deps.auditIndex, requestId);
      if (recorded === "does-not-verify")
        deps.log(`watchdog: the end of ${requestId}'s audit trail was not recorded: the trail does not verify`);
    } catch (error) {
      // Bookkeeping only: the lock below matters more. A later verify reports the missing end.
      deps.log(
        `watchdog: could not record the end of ${requestId}'s audit trail: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };

  const watch = async (cluster: ManagedCluster, workflow: WorkflowClient): Promise<ClusterReport> => {
    const now = deps.now();
    const before = await deps.registry.read(cluster);
    const pruned: string[] = [];
    for (const window of overdueWindows(before, now, WATCHDOG_GRACE_MS)) {
      const { reason, status } = await explain(window, workflow);
      await deps.registry.update(cluster, (state) => ({
        next: withoutWindow(state, window.requestId),
        result: undefined,
      }));
      pruned.push(window.requestId);
      await audit({
        type: "watchdog-pruned",
        cluster: cluster.id,
        outcome: "failure",
        code: "WINDOW_OVERDUE",
        message: reason,
        details: { requestId: window.requestId, closesAt: window.closesAt, workflow: status },
      });
      const request = await deps.requests.get(window.requestId);
      if (status !== "running" && request) {
        // The workflow will not record the end any more: the store should not show a window as open.
        const at = now.toISOString();
        await deps.requests.recordProgress(window.requestId, {
          status: "closed",
          at,
          outcome: { code: "CLOSED_BY_WATCHDOG", message: `the watchdog closed the window: ${reason}`, at },
        });
      }
      await alert(
        { kind: "window-overdue", cluster, requestId: window.requestId, closesAt: window.closesAt, reason },
        request ? [request.requester.upn] : [],
      );
      if (status !== "running" && request) await recordTrailEnd(window.requestId);
    }

    let read;
    try {
      read = await deps.clusters.read(cluster);
    } catch (error) {
      const code = error instanceof TransientError ? error.code : "FAILED";
      await condition(cluster, { kind: "cluster-unreadable", cluster, code });
      return { cluster: cluster.id, pruned, action: "none", condition: "cluster-unreadable" };
    }
    if (read.kind === "not-found") {
      await condition(cluster, { kind: "cluster-missing", cluster });
      return { cluster: cluster.id, pruned, action: "none", condition: "cluster-missing" };
    }
    if (!read.state.entraIntegration) {
      await condition(cluster, { kind: "entra-integration-off", cluster });
      return { cluster: cluster.id, pruned, action: "none", condition: "entra-integration-off" };
    }
    const open = (await deps.registry.read(cluster)).windows.length;
    if (read.state.localAccounts === "disabled" || open > 0) {
      await condition(cluster, undefined);
      return { cluster: cluster.id, pruned, action: "none" };
    }

    // Local accounts are enabled and no window is open.
    const drift = pruned.length === 0;
    if (drift && deps.driftAction === "alert") {
      await condition(cluster, { kind: "drift", cluster });
      return { cluster: cluster.id, pruned, action: "drift-alerted", condition: "drift" };
    }
    const locked = await deps.access.lockIfIdle(cluster, "watchdog");
    if (locked.kind === "wait") {
      deps.log(`watchdog could not lock ${cluster.name} yet: ${locked.message}`);
      return { cluster: cluster.id, pruned, action: "lock-deferred" };
    }
    if (locked.kind === "refused") {
      await alert({ kind: "lock-failed", cluster, code: locked.code, message: locked.message });
      await audit({
        type: "watchdog-locked",
        cluster: cluster.id,
        outcome: "failure",
        code: locked.code,
        message: locked.message,
      });
      return { cluster: cluster.id, pruned, action: "lock-failed" };
    }
    if (locked.kind === "kept-open") return { cluster: cluster.id, pruned, action: "none" }; // a window opened meanwhile
    const reason = drift
      ? "outside break-glass, with no open window (drift; BREAKGLASS_DRIFT_ACTION=relock)"
      : `after the deadline of ${pruned.join(", ")}`;
    await audit({
      type: "watchdog-locked",
      cluster: cluster.id,
      outcome: "success",
      message: `local accounts were enabled ${reason}`,
      details: { drift, change: locked.change },
    });
    await alert({ kind: "watchdog-locked", cluster, reason });
    await condition(cluster, undefined);
    await certificates(cluster, locked.enabledSince);
    return { cluster: cluster.id, pruned, action: "locked" };
  };

  const certificates = async (cluster: ManagedCluster, enabledSince: string | undefined) => {
    const since = enabledSince ? new Date(enabledSince) : new Date(deps.now().getTime() - 24 * 60 * 60_000);
    try {
      const outcome = await applyCertificatePolicy(deps, cluster, since, deps.now());
      await audit({
        type: "watchdog-certificates",
        cluster: cluster.id,
        outcome: outcome.rotation?.ok === false ? "failure" : "info",
        code: `CERTIFICATES_${outcome.decision.action.toUpperCase()}`,
        message: outcome.decision.reason,
      });
    } catch (error) {
      deps.log(`watchdog: certificate policy on ${cluster.name} failed: ${String(error)}`);
    }
  };

  return {
    /** One round over every managed cluster; a failure on one cluster does not stop the others. */
    async run(workflow: WorkflowClient): Promise<readonly ClusterReport[]> {
      const reports: ClusterReport[] = [];
      for (const cluster of deps.clustersToWatch) {
        try {
          reports.push(await watch(cluster, workflow));
        } catch (error) {
          deps.log(`watchdog failed on ${cluster.name}: ${error instanceof Error ? error.message : String(error)}`);
          reports.push({ cluster: cluster.id, pruned: [], action: "none", condition: "watchdog-error" });
        }
      }
      return reports;
    },
  };
}

export type Watchdog = ReturnType<typeof createWatchdog>;
