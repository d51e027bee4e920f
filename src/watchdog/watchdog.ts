// The watchdog (timer, BREAKGLASS_WATCHDOG_SCHEDULE): the second line of the invariant, for when a
// workflow is lost, stuck or terminated, or someone flips the switch by hand. Its round asks the
// inventory, the registry and its memory once each, and reads through ARM only the clusters that
// need action or confirmation (round.ts, docs/design.md §12.2). For each of those it removes windows whose deadline passed more than a grace period ago (saying why their
// workflow did not close them), locks the cluster when no window remains and local accounts are
// still enabled, treats local accounts enabled with no window as drift (BREAKGLASS_DRIFT_ACTION),
// and alerts — without acting — when a cluster cannot be locked at all or cannot be read.
// Conditions that persist are alerted once, when they begin, not at every run.
import { kindCode } from "../domain/codes.js";
import { applyCertificatePolicy, type CertificatePolicyDependencies } from "../windows/certificatePolicy.js";
import type { ClusterAccess } from "../windows/clusterAccess.js";
import type { ManagedCluster } from "../domain/clusters.js";
import { ARG_LAG_BOUND_MS, type RoundSettings } from "../domain/fleetRound.js";
import type { DriftAction } from "../domain/modes.js";
import type { ManagedClusters } from "../fleet/managedClusters.js";
import type { CredentialWatchStore } from "../ports/credentialWatch.js";
import { TransientError } from "../ports/errors.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { OverdueWindows, WATCHDOG_GRACE_MS, type OverdueDependencies } from "./overdue.js";
import { WatchdogReporting, type ReportingDependencies } from "./reporting.js";
import { planRound, type RoundPlan } from "./round.js";

export interface WatchdogDependencies
  extends CertificatePolicyDependencies, OverdueDependencies, ReportingDependencies {
  /** The managed clusters, and what the inventory sees of them. */
  readonly fleet: Pick<ManagedClusters, "survey">;
  readonly driftAction: DriftAction;
  readonly registry: WindowRegistry;
  readonly access: ClusterAccess;
  /** BREAKGLASS_EVIDENCE: whether windows the watchdog closes go under the evidence watch. */
  readonly evidence: boolean;
  readonly credentialWatch: Pick<CredentialWatchStore, "watch">;
}

/** What the watchdog did on one cluster in one run. */
export interface ClusterReport {
  readonly cluster: string;
  readonly pruned: readonly string[];
  readonly action: "none" | "locked" | "lock-deferred" | "lock-failed" | "drift-alerted";
  readonly condition?: string;
}

export interface Watchdog {
  /** One round over every managed cluster (and any still holding windows); a failure on one cluster does not stop the others. */
  run(workflow: WorkflowClient): Promise<readonly ClusterReport[]>;
}

/** What one watchdog holds across its runs. */
interface Watch {
  readonly deps: WatchdogDependencies;
  readonly reporting: WatchdogReporting;
  readonly overdue: OverdueWindows;
}

export function createWatchdog(deps: WatchdogDependencies): Watchdog {
  const reporting = new WatchdogReporting(deps);
  const watch: Watch = { deps, reporting, overdue: new OverdueWindows(deps, reporting) };
  const settings: RoundSettings = {
    driftAction: deps.driftAction,
    graceMs: WATCHDOG_GRACE_MS,
    lagBoundMs: ARG_LAG_BOUND_MS,
  };
  return {
    async run(workflow) {
      const round = await planRound(deps, settings, deps.now());
      await reportFleet(watch, round);
      const reports: ClusterReport[] = [];
      for (const { cluster, plan } of round.clusters) {
        if (plan.kind === "skip") {
          const { action, condition } = plan;
          reports.push({ cluster: cluster.id, pruned: [], action, ...(condition ? { condition } : {}) });
          continue;
        }
        try {
          reports.push(await watchCluster(watch, cluster, workflow));
        } catch (error) {
          deps.log(`watchdog failed on ${cluster.name}: ${error instanceof Error ? error.message : String(error)}`);
          reports.push({ cluster: cluster.id, pruned: [], action: "none", condition: "watchdog-error" });
        }
      }
      return reports;
    },
  };
}

/** The inventory not answering is alerted once, when it begins, and cleared when it answers again. */
async function reportFleet({ deps, reporting }: Watch, round: RoundPlan) {
  const { unavailable } = round;
  try {
    if (unavailable) {
      const { code, message } = unavailable;
      await reporting.fleetCondition({ kind: "fleet-unavailable", code, message, clusters: round.clusters.length });
    } else if (round.fleetRemembered) await reporting.fleetCondition(undefined);
  } catch (error) {
    // Telling matters less than the round itself, which goes on.
    deps.log(`watchdog could not report the inventory's state: ${String(error)}`);
  }
}

async function watchCluster(watch: Watch, cluster: ManagedCluster, workflow: WorkflowClient): Promise<ClusterReport> {
  const { deps, reporting } = watch;
  const pruned = await watch.overdue.prune(cluster, workflow, deps.now());
  const report = (action: ClusterReport["action"], condition?: string): ClusterReport => ({
    cluster: cluster.id,
    pruned,
    action,
    ...(condition ? { condition } : {}),
  });
  let read;
  try {
    read = await deps.clusterControl.read(cluster);
  } catch (error) {
    const code = error instanceof TransientError ? error.code : "FAILED";
    await reporting.condition(cluster, { kind: "cluster-unreadable", cluster, code });
    return report("none", "cluster-unreadable");
  }
  if (read.kind === "not-found") {
    await reporting.condition(cluster, { kind: "cluster-missing", cluster });
    return report("none", "cluster-missing");
  }
  if (!read.state.entraIntegration) {
    await reporting.condition(cluster, { kind: "entra-integration-off", cluster });
    return report("none", "entra-integration-off");
  }
  const open = (await deps.registry.read(cluster)).windows.length;
  if (read.state.localAccounts === "disabled" || open > 0) {
    await reporting.condition(cluster, undefined);
    return report("none");
  }
  // Local accounts are enabled and no window is open.
  const drift = pruned.length === 0;
  if (drift && deps.driftAction === "alert") {
    await reporting.condition(cluster, { kind: "drift", cluster });
    return report("drift-alerted", "drift");
  }
  return report(await lock(watch, cluster, pruned));
}

/** Disables local accounts left enabled, after overdue windows or by drift. */
async function lock(
  watch: Watch,
  cluster: ManagedCluster,
  pruned: readonly string[],
): Promise<ClusterReport["action"]> {
  const { deps, reporting } = watch;
  const locked = await deps.access.lockIfIdle(cluster, "watchdog");
  if (locked.kind === "wait") {
    deps.log(`watchdog could not lock ${cluster.name} yet: ${locked.message}`);
    return "lock-deferred";
  }
  if (locked.kind === "refused") {
    await reporting.alert({ kind: "lock-failed", cluster, code: locked.code, message: locked.message });
    await reporting.audit({
      type: "watchdog-locked",
      cluster: cluster.id,
      outcome: "failure",
      code: locked.code,
      message: locked.message,
    });
    return "lock-failed";
  }
  if (locked.kind === "kept-open") return "none"; // a window opened meanwhile
  const drift = pruned.length === 0;
  const reason = drift
    ? "outside break-glass, with no open window (drift; BREAKGLASS_DRIFT_ACTION=relock)"
    : `after the deadline of ${pruned.join(", ")}`;
  await reporting.audit({
    type: "watchdog-locked",
    cluster: cluster.id,
    outcome: "success",
    message: `local accounts were enabled ${reason}`,
    details: { drift, change: locked.change },
  });
  await reporting.alert({ kind: "watchdog-locked", cluster, reason });
  await reporting.condition(cluster, undefined);
  await applyCertificatesAfterLock(watch, cluster, locked.enabledSince, pruned.at(-1));
  return "locked";
}

/**
 * Revokes admin credentials issued while local accounts were enabled (BREAKGLASS_ROTATE_CERTIFICATES),
 * or, when they may exist unrevoked, puts them under the evidence watch — under the request whose
 * window held local accounts enabled last (`requestId`: the last pruned). A drift has no request
 * to record the watch's findings under, so its credentials are only advised or rotated here.
 */
async function applyCertificatesAfterLock(
  watch: Watch,
  cluster: ManagedCluster,
  enabledSince: string | undefined,
  requestId: string | undefined,
) {
  const { deps } = watch;
  const lockedAt = deps.now();
  const since = enabledSince ? new Date(enabledSince) : new Date(lockedAt.getTime() - 24 * 60 * 60_000);
  let revoked = false;
  try {
    const outcome = await applyCertificatePolicy(deps, cluster, since, lockedAt);
    // Only a rotation revokes: "none fetched" may be the Activity Log lagging behind a fetch, and the
    // watch believes it only once the log had time to catch up (then the window leaves the watch).
    revoked = outcome.rotation?.ok === true;
    await watch.reporting.audit({
      type: "watchdog-certificates",
      cluster: cluster.id,
      outcome: outcome.rotation?.ok === false ? "failure" : "info",
      code: kindCode(`certificates-${outcome.decision.action}`),
      message: outcome.decision.reason,
    });
  } catch (error) {
    deps.log(`watchdog: certificate policy on ${cluster.name} failed: ${String(error)}`);
  }
  if (!deps.evidence || !requestId || revoked) return;
  const window = { requestId, cluster, enabledSince: since.toISOString(), lockedAt: lockedAt.toISOString() };
  try {
    await deps.credentialWatch.watch(window);
  } catch (error) {
    deps.log(`watchdog: could not watch ${requestId}'s credentials: ${String(error)}`);
    await watch.reporting.audit({
      type: "watchdog-certificates",
      cluster: cluster.id,
      outcome: "failure",
      code: "CREDENTIAL_WATCH_FAILED",
      message: `the admin credentials of ${requestId}'s window could not be put under the evidence watch: ${String(error)}`,
      details: { requestId },
    });
  }
}
