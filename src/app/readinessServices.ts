// Readiness, built from the ports: the monitor that runs the checks (GET /api/readiness, cached) and
// the timer's watch that alerts and audits each change once (docs/design.md §10).
import type { Config } from "./config.js";
import { createReadinessMonitor, type ReadinessMonitor } from "../readiness/monitor.js";
import { createReadinessWatch, type ReadinessWatch } from "../readiness/watch.js";
import type { ReadinessDependencies } from "../readiness/monitor.js";
import type { ReadinessWatchDependencies } from "../readiness/watch.js";
import type { AppIdentity } from "../readiness/clusterChecks.js";
import type { ManagedClusters } from "../fleet/managedClusters.js";
import { surveyed } from "../fleet/lookups.js";

/** The ports readiness reads and writes, as services.ts holds them. */
interface ReadinessPorts {
  readonly clusterAuthorization: ReadinessDependencies["authorization"];
  readonly clusterControl: ReadinessDependencies["clusterControl"];
  readonly tenantPolicies: ReadinessDependencies["tenantPolicies"];
  readonly directory: ReadinessDependencies["directory"];
  readonly appIdentity: AppIdentity;
  readonly readinessVerdicts: ReadinessWatchDependencies["store"];
  readonly audit: ReadinessWatchDependencies["audit"];
  readonly notifier: ReadinessWatchDependencies["notifier"];
}

export function composeReadiness(
  config: Config,
  ports: ReadinessPorts,
  now: () => Date,
  log: (message: string) => void,
  fleet: Pick<ManagedClusters, "survey">,
) {
  return createReadinessMonitor({
    authorization: ports.clusterAuthorization,
    clusterControl: ports.clusterControl,
    tenantPolicies: ports.tenantPolicies,
    directory: ports.directory,
    // Asked afresh each run, so that a cluster tagged since the last one is checked (docs/design.md §12.3).
    clusters: async () => surveyed(await fleet.survey()),
    emergencyGroupId: config.emergencyGroupId,
    approverGroupId: config.approverGroupId,
    requiredApprovals: config.policy.requiredApprovals,
    mailSender: config.mailSender,
    changeNotifications: config.graphClientState !== undefined,
    appIdentity: ports.appIdentity,
    evidence: config.evidence,
    now,
    log,
  });
}

export function composeReadinessWatch(
  config: Config,
  ports: ReadinessPorts,
  parts: {
    readonly readiness: ReadinessMonitor;
    readonly now: () => Date;
    readonly randomBytes: (size: number) => Uint8Array;
    readonly log: (message: string) => void;
  },
): ReadinessWatch {
  return createReadinessWatch({
    monitor: parts.readiness,
    store: ports.readinessVerdicts,
    audit: ports.audit,
    notifier: ports.notifier,
    directory: ports.directory,
    approverGroupId: config.approverGroupId,
    alertEmails: config.alertEmails,
    now: parts.now,
    randomBytes: parts.randomBytes,
    log: parts.log,
  });
}
