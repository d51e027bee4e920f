// Opening and closing windows on a cluster (docs/design.md §1, §8.4). Opening registers the window, then makes
// sure local accounts are enabled; closing unregisters it and disables local accounts only if no
// other window remains. Each of these holds the cluster's lease from the registry change through
// the cluster write, so a closing window can never disable local accounts under an opening one,
// and ten concurrent windows make one enable and one disable, not ten.
//
// Every outcome is typed (domain/windows.ts), including "wait": the callers (the orchestrator's
// retry loops and the watchdog) decide how long to wait, honouring the server's retry hint.
import type { ManagedCluster } from "../domain/clusters.js";
import {
  acquireLease,
  releaseLease,
  withoutWindow,
  withWindow,
  type Change,
  type ClusterRefusal,
  type ClusterWindows,
  type CloseOutcome,
  type LeaseDecision,
  type OpenOutcome,
  type Wait,
} from "../domain/windows.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import { TransientError } from "../ports/errors.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";

export interface ClusterAccessSettings {
  /** How long a lease lasts if its holder dies; longer than the slowest cluster write. */
  readonly leaseMs: number;
}

/** Provisioning states in which no operation is running on the cluster (an update may start). */
export const SETTLED_STATES: ReadonlySet<string> = new Set(["Succeeded", "Failed", "Canceled"]);

export class ClusterAccess {
  constructor(
    private readonly registry: WindowRegistry,
    private readonly clusterControl: ClusterControl,
    private readonly now: () => Date,
    private readonly settings: ClusterAccessSettings,
  ) {}

  /** Registers a window of `durationMs` and enables local accounts; the window counts from when they are. */
  async openWindow(cluster: ManagedCluster, requestId: string, durationMs: number): Promise<OpenOutcome> {
    return this.underLease(
      cluster,
      requestId,
      (state) => withWindow(state, { requestId, closesAt: this.until(durationMs + this.settings.leaseMs) }),
      async () => {
        const enabled = await this.ensure(cluster, true);
        if (enabled.kind === "refused") return enabled;
        const openedAt = this.now().toISOString();
        const closesAt = this.until(durationMs);
        await this.registry.update(cluster, (state) => ({
          next: {
            ...withWindow(state, { requestId, closesAt }),
            ...(enabled.change === "changed" || !state.enabledSince ? { enabledSince: openedAt } : {}),
          },
          result: undefined,
        }));
        return { kind: "opened", change: enabled.change, openedAt, closesAt };
      },
    );
  }

  /** Unregisters a window; disables local accounts if it was the last. Repeating it is harmless. */
  async closeWindow(cluster: ManagedCluster, requestId: string): Promise<CloseOutcome> {
    return this.lockUnlessOpen(cluster, requestId, (state) => withoutWindow(state, requestId, this.now()));
  }

  /** Disables local accounts if no window is open (the watchdog's lock). */
  async lockIfIdle(cluster: ManagedCluster, holder: string): Promise<CloseOutcome> {
    return this.lockUnlessOpen(cluster, holder, (state) => state);
  }

  /** Moves an open window's deadline (an approved extension). */
  async extendWindow(cluster: ManagedCluster, requestId: string, closesAt: string): Promise<"extended" | "not-open"> {
    return this.registry.update(cluster, (state) =>
      state.windows.some((window) => window.requestId === requestId)
        ? { next: withWindow(state, { requestId, closesAt }), result: "extended" as const }
        : { result: "not-open" as const },
    );
  }

  private async lockUnlessOpen(
    cluster: ManagedCluster,
    holder: string,
    change: (state: ClusterWindows) => ClusterWindows,
  ): Promise<CloseOutcome> {
    let remaining = 0;
    let enabledSince: string | undefined;
    return this.underLease(
      cluster,
      holder,
      (state) => {
        const next = change(state);
        remaining = next.windows.length;
        enabledSince = next.enabledSince;
        return next;
      },
      async () => {
        if (remaining > 0) return { kind: "kept-open", otherWindows: remaining };
        const disabled = await this.ensure(cluster, false);
        if (disabled.kind === "refused") return disabled;
        await this.registry.update(cluster, (state) => {
          if (state.windows.length > 0 || !state.enabledSince) return { result: undefined };
          const { enabledSince: _since, ...rest } = state;
          return { next: rest, result: undefined };
        });
        return { kind: "locked", change: disabled.change, ...(enabledSince ? { enabledSince } : {}) };
      },
    );
  }

  /**
   * Takes the cluster's lease while applying `change` to the registry, runs `act`, and releases
   * the lease whatever happens. A lease someone else holds, or a transient failure, is a Wait.
   */
  private async underLease<T extends { kind: string }>(
    cluster: ManagedCluster,
    holder: string,
    change: (state: ClusterWindows) => ClusterWindows,
    act: () => Promise<T | ClusterRefusal>,
  ): Promise<T | Wait | ClusterRefusal> {
    try {
      const taken = await this.registry.update<LeaseDecision>(cluster, (state) => {
        const lease = acquireLease(state, holder, this.now(), this.settings.leaseMs);
        return lease.kind === "busy" ? { result: lease } : { next: change(lease.state), result: lease };
      });
      if (taken.kind === "busy") {
        return {
          kind: "wait",
          code: "CLUSTER_BUSY",
          message: `another window is changing ${cluster.name} (${taken.lease.holder})`,
          retryAfterMs: Math.min(30_000, Math.max(1_000, Date.parse(taken.lease.expiresAt) - this.now().getTime())),
        };
      }
      try {
        return await act();
      } finally {
        await this.registry.update(cluster, (state) => {
          const released = releaseLease(state, holder);
          return released === state ? { result: undefined } : { next: released, result: undefined };
        });
      }
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      return {
        kind: "wait",
        code: error.code,
        message: error.message,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      };
    }
  }

  /** Brings the switch where it should be: read, then write with If-Match only if it differs. */
  private async ensure(
    cluster: ManagedCluster,
    enabled: boolean,
  ): Promise<{ kind: "done"; change: Change } | ClusterRefusal> {
    const read = await this.clusterControl.read(cluster);
    if (read.kind === "not-found")
      return { kind: "refused", code: "CLUSTER_NOT_FOUND", message: `cluster ${cluster.id} does not exist` };
    if (read.state.localAccounts === (enabled ? "enabled" : "disabled")) return { kind: "done", change: "unchanged" };
    if (!SETTLED_STATES.has(read.state.provisioningState)) {
      // ARM refuses a PUT while another operation runs; wait for it rather than queue behind it.
      throw new TransientError("CLUSTER_BUSY", `${cluster.name} is ${read.state.provisioningState}`);
    }
    const written = await this.clusterControl.setLocalAccounts(cluster, enabled, read.state.etag);
    switch (written.kind) {
      case "written":
        return { kind: "done", change: "changed" };
      case "unchanged":
        return { kind: "done", change: "unchanged" };
      case "not-found":
        return { kind: "refused", code: "CLUSTER_NOT_FOUND", message: `cluster ${cluster.id} does not exist` };
      case "rejected":
        return { kind: "refused", code: written.code, message: written.message };
    }
  }

  private until(ms: number): string {
    return new Date(this.now().getTime() + ms).toISOString();
  }
}
