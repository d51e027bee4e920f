// What the evidence watch does about what a round claimed (watch.ts): alert and audit the calls
// found after a window, rotate the certificates when BREAKGLASS_ROTATE_CERTIFICATES says so, and
// audit the end of a window's watch. Every text from the cluster's log is clipped and the lists
// are capped: a caller chooses the names, namespaces and user agents of its calls.
import { canonicalJson } from "../domain/audit.js";
import { sourceIps } from "../domain/clusterAlerts.js";
import type { ManagedCluster } from "../domain/clusters.js";
import { endedWatches, type ClusterWatch } from "../domain/credentialWatch.js";
import { clip, clipped, type AdminCall } from "../domain/evidence.js";
import type { RoundClaim } from "../domain/watchRound.js";
import { TransientError } from "../ports/errors.js";
import { applyRotation } from "../windows/certificatePolicy.js";
import type { WatchdogReporting } from "../watchdog/reporting.js";
import type { RotateCertificates } from "../domain/certificates.js";
import type { ClusterControl } from "../ports/clusterControl.js";

/** Calls, source IPs and callers an alert or audit entry names at most (its details are one table property). */
export const LISTED_CALLS = 10;

interface RoundFindings {
  readonly cluster: ManagedCluster;
  readonly found: ReadonlyMap<string, readonly AdminCall[]>;
  readonly claim: RoundClaim;
  readonly callers: ReadonlyMap<string, readonly string[]>;
}

/** Per window with calls found: one audit entry, and an alert unless one was sent within ALERT_INTERVAL_MS. */
export async function reportCalls(reporting: WatchdogReporting, findings: RoundFindings): Promise<void> {
  const { cluster, found, claim, callers } = findings;
  for (const [requestId, all] of found) {
    const calls = all.slice(0, LISTED_CALLS).map(clipped);
    const ips = sourceIps(all.map(clipped)).slice(0, LISTED_CALLS);
    const alert = claim.alerts.find((candidate) => candidate.requestId === requestId);
    const fetchedBy = callers.get(requestId)?.slice(0, LISTED_CALLS).map(clip);
    if (alert)
      await reporting.alert({
        kind: "credential-used-after-window",
        cluster,
        requestId,
        calls,
        count: all.length,
        sourceIps: ips,
        rotating: claim.rotate,
        ...(alert.earlier ? { earlier: alert.earlier } : {}),
        ...(fetchedBy ? { fetchedBy } : {}),
      });
    await reporting.audit({
      type: "credential-used-after-window",
      cluster: cluster.id,
      outcome: "failure",
      code: "CREDENTIAL_USED_AFTER_WINDOW",
      message: `${all.length} call(s) as cluster-admin after the window of ${requestId} closed`,
      details: {
        requestId,
        count: all.length,
        alerted: alert !== undefined,
        sourceIps: ips.join(", "),
        calls: canonicalJson(calls),
      },
    });
  }
}

/** Rotates after a use (BREAKGLASS_ROTATE_CERTIFICATES), audits and alerts the result; whether it rotated. */
export async function rotate(
  deps: {
    readonly clusterControl: Pick<ClusterControl, "rotateCertificates">;
    readonly rotateCertificates: RotateCertificates;
  },
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

/** Audits the end of the watch of each window nothing is left to find for; their request ids. */
export async function endWatches(reporting: WatchdogReporting, cluster: ManagedCluster, watch: ClusterWatch) {
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
