// The evidence watch (with the watchdog's timer, BREAKGLASS_EVIDENCE=on): for every cluster with a
// closed window whose admin credentials may still work, one round of domain/credentialWatch.ts —
// read the calls as `masterclient` since the last round, alert and audit once for those after a
// lockdown, rotate when BREAKGLASS_ROTATE_CERTIFICATES says so, and end the watch of windows
// nothing is left to find for. A log that cannot be read is logged and read again next round; the
// readiness check is what reports it, so that the watch does not alert at every run.
import { canonicalJson } from "../domain/audit.js";
import type { RotateCertificates } from "../domain/certificates.js";
import { sourceIps } from "../domain/clusterAlerts.js";
import type { ManagedCluster } from "../domain/clusters.js";
import {
  endedWatches,
  mergeRound,
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
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { CredentialWatchStore } from "../ports/credentialWatch.js";
import { TransientError } from "../ports/errors.js";
import type { KubeAuditLog } from "../ports/kubeAuditLog.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";
import { applyRotation } from "../windows/certificatePolicy.js";
import { WatchdogReporting, type ReportingDependencies } from "../watchdog/reporting.js";

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
  /** `window-open`: skipped (its calls are that window's); `unread`: the log did not answer. */
  readonly action: "read" | "unread" | "window-open" | "failed";
  readonly found: number;
  readonly rotated?: boolean;
  readonly ended: readonly string[];
}

export interface EvidenceWatch {
  /** One round over every watched cluster; a failure on one does not stop the others. */
  run(): Promise<readonly WatchReport[]>;
}

/** Calls an audit entry keeps in full (its details are one table property). */
const AUDITED_CALLS = 10;

export function createEvidenceWatch(deps: EvidenceWatchDependencies): EvidenceWatch {
  const reporting = new WatchdogReporting(deps);
  return {
    async run() {
      const reports: WatchReport[] = [];
      for (const watch of await deps.credentialWatch.watchedClusters()) {
        const cluster = watch.windows[0]!.cluster;
        try {
          reports.push(await watchCluster(deps, reporting, cluster, watch));
        } catch (error) {
          deps.log(`evidence watch failed on ${cluster.name}: ${messageOf(error)}`);
          reports.push({ cluster: cluster.id, action: "failed", found: 0, ended: [] });
        }
      }
      return reports;
    },
  };
}

async function watchCluster(
  deps: EvidenceWatchDependencies,
  reporting: WatchdogReporting,
  cluster: ManagedCluster,
  stored: ClusterWatch,
): Promise<WatchReport> {
  const now = deps.now();
  const registry = await deps.registry.read(cluster);
  const openSince = registry.windows.length ? (registry.enabledSince ?? now.toISOString()) : undefined;
  let watch = withOpenWindow(stored, openSince, now);
  const save = (after: ClusterWatch) =>
    deps.credentialWatch.updateCluster(cluster, (current) => mergeRound(current, stored, after));
  if (openSince) {
    await save(watch);
    return { cluster: cluster.id, action: "window-open", found: 0, ended: [] };
  }
  watch = withRotations(watch, await rotationsSince(deps, cluster, watch));
  const { watch: fetched, callers } = await withKnownFetches(deps, cluster, watch, now);
  watch = fetched;
  const read = await readNewCalls(deps, cluster, watch, now);
  if (read) watch = read.watch;
  const found = [...(read?.found ?? [])];
  const rotating = found.length > 0 && deps.rotateCertificates !== "never";
  for (const [requestId, calls] of found)
    await reportCalls(deps, reporting, { cluster, requestId, calls, rotating, callers: callers.get(requestId) });
  let rotated: boolean | undefined;
  if (rotating) {
    const requestIds = found.map(([requestId]) => requestId);
    rotated = await rotate(deps, reporting, cluster, requestIds);
    if (rotated) watch = withRotations(watch, [now.toISOString()]);
  }
  const endedIds = await endWatches(reporting, cluster, watch);
  await save(withoutWindows(watch, endedIds));
  return {
    cluster: cluster.id,
    action: read ? "read" : "unread",
    found: found.reduce((sum, [, calls]) => sum + calls.length, 0),
    ...(rotated === undefined ? {} : { rotated }),
    ended: endedIds,
  };
}

/** Audits the end of the watch of each window nothing is left to find for; their request ids. */
async function endWatches(reporting: WatchdogReporting, cluster: ManagedCluster, watch: ClusterWatch) {
  const ended = endedWatches(watch);
  for (const { window, reason, message } of ended) {
    await reporting.audit({
      type: "credential-watch-ended",
      cluster: cluster.id,
      outcome: "info",
      code: "CREDENTIAL_WATCH_ENDED",
      message,
      details: { requestId: window.requestId, reason, callsFound: window.callsFound ?? 0 },
    });
  }
  return ended.map(({ window }) => window.requestId);
}

/** Rotations since the earliest watched lockdown; none known when the Activity Log does not answer now. */
async function rotationsSince(
  deps: EvidenceWatchDependencies,
  cluster: ManagedCluster,
  watch: ClusterWatch,
): Promise<readonly string[]> {
  const from = new Date(Math.min(...watch.windows.map((window) => Date.parse(window.lockedAt))));
  try {
    return (await deps.activityLog.certificateRotations(cluster, from, deps.now())).map((event) => event.at);
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
    try {
      const fetches = await deps.activityLog.adminCredentialFetches(
        cluster,
        new Date(window.enabledSince),
        new Date(window.lockedAt),
      );
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

interface FoundCalls {
  readonly cluster: ManagedCluster;
  readonly requestId: string;
  readonly calls: readonly AdminCall[];
  readonly rotating: boolean;
  readonly callers: readonly string[] | undefined;
}

/** One alert and one audit entry for the calls a round found after one window; recorded for GET …/evidence. */
async function reportCalls(deps: EvidenceWatchDependencies, reporting: WatchdogReporting, found: FoundCalls) {
  const { cluster, requestId, calls, rotating, callers } = found;
  await reporting.alert({
    kind: "credential-used-after-window",
    cluster,
    requestId,
    calls,
    rotating,
    ...(callers ? { fetchedBy: callers } : {}),
  });
  await reporting.audit({
    type: "credential-used-after-window",
    cluster: cluster.id,
    outcome: "failure",
    code: "CREDENTIAL_USED_AFTER_WINDOW",
    message: `${calls.length} call(s) as cluster-admin after the window of ${requestId} closed`,
    details: {
      requestId,
      count: calls.length,
      sourceIps: sourceIps(calls).join(", "),
      calls: canonicalJson(calls.slice(0, AUDITED_CALLS)),
    },
  });
  // Thrown, the round ends before the calls are marked seen: the next one finds them again. An
  // alert twice is better than one lost.
  await deps.credentialWatch.recordAfterWindow(requestId, calls);
}

/** Rotates after a use (BREAKGLASS_ROTATE_CERTIFICATES), audits and alerts the result; whether it rotated. */
async function rotate(
  deps: EvidenceWatchDependencies,
  reporting: WatchdogReporting,
  cluster: ManagedCluster,
  requestIds: readonly string[],
): Promise<boolean> {
  let rotation;
  try {
    rotation = await applyRotation(deps.clusterControl, cluster);
  } catch (error) {
    if (!(error instanceof TransientError)) throw error;
    rotation = { ok: false as const, code: error.code, message: error.message };
  }
  await reporting.audit({
    type: "watchdog-certificates",
    cluster: cluster.id,
    outcome: rotation.ok ? "success" : "failure",
    code: "CERTIFICATES_ROTATE",
    message: `admin credentials were used after the window of ${requestIds.join(", ")}; BREAKGLASS_ROTATE_CERTIFICATES=${deps.rotateCertificates}`,
    details: {
      requestIds: requestIds.join(","),
      rotated: rotation.ok,
      ...(rotation.ok ? {} : { error: rotation.code }),
    },
  });
  await reporting.alert({ kind: "credential-watch-rotated", cluster, requestIds, rotation });
  return rotation.ok;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
