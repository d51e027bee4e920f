// The evidence watch (with the watchdog's timer, BREAKGLASS_EVIDENCE=on): for every cluster with a
// closed window whose admin credentials may still work, one round of domain/credentialWatch.ts —
// read the calls as `masterclient` since the last round, alert and audit once for those after a
// lockdown, rotate when BREAKGLASS_ROTATE_CERTIFICATES says so, and end the watch of windows
// nothing is left to find for. A log that cannot be read is logged and read again next round; the
// readiness check is what reports it, so that the watch does not alert at every run.
import type { RotateCertificates } from "../domain/certificates.js";
import type { ManagedCluster } from "../domain/clusters.js";
import {
  activityLogFrom,
  readCalls,
  readStart,
  withFetches,
  withOpenWindow,
  withoutWindows,
  withRotations,
  type ClusterWatch,
  type WatchTiming,
} from "../domain/credentialWatch.js";
import type { AdminCall } from "../domain/evidence.js";
import { claimRound, mergeRound, releaseRotation } from "../domain/watchRound.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { CredentialWatchStore } from "../ports/credentialWatch.js";
import { TransientError } from "../ports/errors.js";
import type { KubeAuditLog } from "../ports/kubeAuditLog.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";
import { WatchdogReporting, type ReportingDependencies } from "../watchdog/reporting.js";
import { endWatches, reportCalls, rotate } from "./watchActions.js";

export interface EvidenceWatchDependencies extends ReportingDependencies {
  readonly credentialWatch: CredentialWatchStore;
  readonly registry: Pick<WindowRegistry, "read">;
  readonly activityLog: ActivityLogReader;
  readonly kubeAudit: KubeAuditLog;
  readonly clusterControl: Pick<ClusterControl, "rotateCertificates">;
  readonly rotateCertificates: RotateCertificates;
  readonly timing: WatchTiming;
}

/** What the watch did on one cluster in one round. */
export interface WatchReport {
  readonly cluster: string;
  /**
   * `window-open`: skipped (its calls are that window's); `unread`: the log did not answer;
   * `contended`: another run claimed the round first (its calls are that run's to report).
   */
  readonly action: "read" | "unread" | "window-open" | "contended" | "failed";
  readonly found: number;
  readonly rotated?: boolean;
  readonly ended: readonly string[];
}

export interface EvidenceWatch {
  /** One round over every watched cluster; a failure on one does not stop the others. */
  run(): Promise<readonly WatchReport[]>;
}

export function createEvidenceWatch(deps: EvidenceWatchDependencies): EvidenceWatch {
  const reporting = new WatchdogReporting(deps);
  return {
    async run() {
      let watched: readonly ClusterWatch[];
      try {
        watched = await deps.credentialWatch.watchedClusters((key, reason) =>
          deps.log(`evidence watch skipped the unreadable watch of ${key}: ${reason}`),
        );
      } catch (error) {
        deps.log(`evidence watch could not list the watched clusters: ${messageOf(error)}`);
        return [{ cluster: "*", action: "failed", found: 0, ended: [] }];
      }
      const reports: WatchReport[] = [];
      for (const watch of watched) {
        const cluster = watch.windows[0]!.cluster;
        try {
          reports.push(await watchCluster(deps, reporting, cluster));
        } catch (error) {
          deps.log(`evidence watch failed on ${cluster.name}: ${messageOf(error)}`);
          reports.push({ cluster: cluster.id, action: "failed", found: 0, ended: [] });
        }
      }
      return reports;
    },
  };
}

/**
 * One round on one cluster. What it is about to act on (alerts, a rotation) is first written at the
 * version it read (claimRound); a run that loses that write leaves the cluster to the one that won.
 */
async function watchCluster(
  deps: EvidenceWatchDependencies,
  reporting: WatchdogReporting,
  cluster: ManagedCluster,
): Promise<WatchReport> {
  const now = deps.now();
  const { state: stored, version } = await deps.credentialWatch.readCluster(cluster);
  const registry = await deps.registry.read(cluster);
  const openSince = registry.windows.length ? (registry.enabledSince ?? now.toISOString()) : undefined;
  let watch = withOpenWindow(stored, openSince, now);
  const save = (before: ClusterWatch, after: ClusterWatch) =>
    deps.credentialWatch.updateCluster(cluster, (current) => mergeRound(current, before, after));
  const report = (action: WatchReport["action"], more: Partial<WatchReport> = {}): WatchReport => ({
    cluster: cluster.id,
    action,
    found: 0,
    ended: [],
    ...more,
  });
  if (!stored.windows.length) return report("contended"); // another run ended its watch since the list
  if (openSince) {
    await save(stored, watch);
    return report("window-open");
  }
  watch = withRotations(watch, await rotationsSince(deps, cluster, watch, now));
  const { watch: fetched, callers } = await withKnownFetches(deps, cluster, watch, now);
  const read = await readNewCalls(deps, cluster, fetched, now);
  watch = read?.watch ?? fetched;
  const found: ReadonlyMap<string, readonly AdminCall[]> = read?.found ?? new Map();
  let claimed = stored;
  let rotated: boolean | undefined;
  if (found.size) {
    // Recorded first (it counts a call once), so that the evidence keeps what a failed round found.
    for (const [requestId, calls] of found) await deps.credentialWatch.recordAfterWindow(requestId, calls);
    const claim = claimRound(watch, found, now, deps.rotateCertificates !== "never");
    if (!(await deps.credentialWatch.replaceCluster(cluster, claim.watch, version))) return report("contended");
    claimed = watch = claim.watch;
    await reportCalls(reporting, { cluster, found, claim, callers });
    if (claim.rotate) {
      rotated = await rotate(deps, reporting, cluster, [...found.keys()]);
      // When the rotation returned: calls made while ARM rotated were made with live credentials.
      const done = deps.now();
      watch = rotated ? withRotations(watch, [done.toISOString()]) : releaseRotation(watch, done);
    }
  }
  const ended = await endWatches(reporting, cluster, watch);
  await save(claimed, withoutWindows(watch, ended));
  const count = [...found.values()].reduce((sum, calls) => sum + calls.length, 0);
  return report(read ? "read" : "unread", { found: count, ...(rotated === undefined ? {} : { rotated }), ended });
}

/** Rotations since the earliest watched lockdown; none known when the Activity Log does not answer now. */
async function rotationsSince(
  deps: EvidenceWatchDependencies,
  cluster: ManagedCluster,
  watch: ClusterWatch,
  now: Date,
): Promise<readonly string[]> {
  const earliest = new Date(Math.min(...watch.windows.map((window) => Date.parse(window.lockedAt))));
  try {
    return (await deps.activityLog.certificateRotations(cluster, activityLogFrom(earliest, now), now)).map(
      (event) => event.at,
    );
  } catch (error) {
    if (!(error instanceof TransientError)) throw error;
    deps.log(`evidence watch: the Activity Log of ${cluster.name} did not answer: ${error.message}`);
    return [];
  }
}

/**
 * Who fetched admin credentials during each window: asked until the Activity Log has caught up
 * (then kept), so that a window with none leaves the watch and an alert can name who had them.
 */
async function withKnownFetches(
  deps: EvidenceWatchDependencies,
  cluster: ManagedCluster,
  watch: ClusterWatch,
  now: Date,
): Promise<{ watch: ClusterWatch; callers: ReadonlyMap<string, readonly string[]> }> {
  const callers = new Map<string, readonly string[]>();
  let next = watch;
  for (const window of watch.windows) {
    if (window.fetchedBy) {
      callers.set(window.requestId, window.fetchedBy);
      continue;
    }
    // Out of the Activity Log's reach, who fetched stays unknown: the window is watched until a rotation.
    const from = activityLogFrom(new Date(window.enabledSince), now);
    if (from.getTime() >= Date.parse(window.lockedAt)) continue;
    try {
      const fetches = await deps.activityLog.adminCredentialFetches(cluster, from, new Date(window.lockedAt));
      const names = [...new Set(fetches.map((fetch) => fetch.caller))];
      callers.set(window.requestId, names);
      next = withFetches(next, window.requestId, names, now, deps.timing);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      deps.log(`evidence watch: the Activity Log of ${cluster.name} did not answer: ${error.message}`);
    }
  }
  return { watch: next, callers };
}

/** The calls since the last round; undefined when the log did not answer (it is read again next round). */
async function readNewCalls(
  deps: EvidenceWatchDependencies,
  cluster: ManagedCluster,
  watch: ClusterWatch,
  now: Date,
): Promise<ReturnType<typeof readCalls> | undefined> {
  const start = readStart(watch);
  if (!start) return undefined;
  const range = { from: new Date(start), to: now };
  try {
    const answer = await deps.kubeAudit.adminCalls(cluster, range.from, range.to);
    if (answer.kind === "found") return readCalls(watch, answer, range, deps.timing);
    deps.log(`evidence watch: the kube-audit log of ${cluster.name} is unavailable (${answer.code}): ${answer.reason}`);
  } catch (error) {
    if (!(error instanceof TransientError)) throw error;
    deps.log(`evidence watch: the kube-audit log of ${cluster.name} did not answer: ${error.message}`);
  }
  return undefined;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
