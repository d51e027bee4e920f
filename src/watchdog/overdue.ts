// Windows whose deadline passed more than a grace period ago: their workflow did not close them.
// The watchdog removes them and says why; when the workflow will not end the request any more, it
// records the request as closed and where its trail ends, as the workflow would have.
import type { ManagedCluster } from "../domain/clusters.js";
import { overdueWindows, withoutWindow, type OpenWindow } from "../domain/windows.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";
import type { WorkflowClient, WorkflowStatus } from "../ports/workflowClient.js";
import { recordEndAsFound } from "../audit/verification.js";
import type { WatchdogReporting } from "./reporting.js";

/** How late a window may be before the watchdog takes over from its workflow. */
export const WATCHDOG_GRACE_MS = 2 * 60_000;

const WORKFLOW_REASONS: Readonly<Record<WorkflowStatus | "unknown", string>> = {
  running: "its workflow missed the deadline (it is still running, late or stuck)",
  terminated: "its workflow was terminated",
  failed: "its workflow failed",
  completed: "its workflow ended without closing it",
  "not-found": "no workflow exists for it",
  unknown: "its workflow could not be asked about it",
};

export interface OverdueDependencies {
  readonly registry: WindowRegistry;
  readonly requests: RequestStore;
  readonly audit: AuditLog;
  readonly auditIndex: Pick<AuditIndex, "add" | "get" | "recordClosedHead">;
  readonly log: (message: string) => void;
}

export class OverdueWindows {
  constructor(
    private readonly deps: OverdueDependencies,
    private readonly reporting: WatchdogReporting,
  ) {}

  /** Removes the cluster's overdue windows; returns their request ids. */
  async prune(cluster: ManagedCluster, workflow: WorkflowClient, now: Date): Promise<string[]> {
    const pruned: string[] = [];
    for (const window of overdueWindows(await this.deps.registry.read(cluster), now, WATCHDOG_GRACE_MS)) {
      await this.pruneOne(cluster, window, workflow, now);
      pruned.push(window.requestId);
    }
    return pruned;
  }

  private async pruneOne(cluster: ManagedCluster, window: OpenWindow, workflow: WorkflowClient, now: Date) {
    const { deps } = this;
    const status = await workflow.status(window.requestId).catch(() => "unknown" as const);
    const reason = WORKFLOW_REASONS[status];
    await deps.registry.update(cluster, (state) => ({
      next: withoutWindow(state, window.requestId, now),
      result: undefined,
    }));
    await this.reporting.audit({
      type: "watchdog-pruned",
      cluster: cluster.id,
      outcome: "failure",
      code: "WINDOW_OVERDUE",
      message: reason,
      details: { requestId: window.requestId, closesAt: window.closesAt, workflow: status },
    });
    const request = await deps.requests.get(window.requestId);
    // A running workflow still ends the request itself; any other will not.
    const abandoned = status !== "running" && request !== undefined;
    if (abandoned) {
      // The store should not show a window as open.
      const at = now.toISOString();
      await deps.requests.recordProgress(window.requestId, {
        status: "closed",
        at,
        outcome: { code: "CLOSED_BY_WATCHDOG", message: `the watchdog closed the window: ${reason}`, at },
      });
    }
    await this.reporting.alert(
      { kind: "window-overdue", cluster, requestId: window.requestId, closesAt: window.closesAt, reason },
      request ? [request.requester.upn] : [],
    );
    if (abandoned) await this.recordTrailEnd(window.requestId);
  }

  /** Nor will the workflow record where the trail ends, which verification expects of an ended request. */
  private async recordTrailEnd(requestId: string) {
    try {
      const recorded = await recordEndAsFound(this.deps.audit, this.deps.auditIndex, requestId);
      if (recorded === "does-not-verify")
        this.deps.log(`watchdog: the end of ${requestId}'s audit trail was not recorded: the trail does not verify`);
    } catch (error) {
      // Bookkeeping only: the lock matters more. A later verify reports the missing end.
      this.deps.log(
        `watchdog: could not record the end of ${requestId}'s audit trail: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
