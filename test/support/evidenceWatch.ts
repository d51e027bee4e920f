// The evidence watch's round around in-memory fakes: a versioned store (as Table Storage's ETags),
// a kube-audit log whose rows land when a test says, an Activity Log of fetches and rotations, and
// a rotation that takes as long as asked. Minutes from T0 stand for the clock. And, for the
// integration tests, a kube-audit log that fails as asked.
import { clusterKey, parseManagedClusterId, type ManagedCluster } from "../../src/domain/clusters.js";
import type { RotateCertificates } from "../../src/domain/certificates.js";
import { AZURE_WATCH_TIMING, type ClusterWatch, type WatchedWindow } from "../../src/domain/credentialWatch.js";
import type { AdminCall } from "../../src/domain/evidence.js";
import type { Notification } from "../../src/ports/notifier.js";
import { createEvidenceWatch, type EvidenceWatchDependencies } from "../../src/evidence/watch.js";
import type { CredentialWatchStore } from "../../src/ports/credentialWatch.js";
import { TransientError } from "../../src/ports/errors.js";
import type { AdminCallsAnswer, KubeAuditLog } from "../../src/ports/kubeAuditLog.js";
import { CLUSTER_ID } from "./domain.js";

export const adminCall = (id: string, at: Date, more: Partial<AdminCall> = {}): AdminCall => ({
  id,
  at: at.toISOString(),
  verb: "delete",
  resource: "pods",
  namespace: "kube-system",
  name: "coredns-1",
  user: "masterclient",
  sourceIp: "203.0.113.7",
  status: 200,
  ...more,
});

/** A kube-audit log that fails as asked: throttled, unavailable, or broken outright. */
export class FakeKubeAudit implements KubeAuditLog {
  private readonly calls = new Map<string, AdminCall[]>();
  readonly failing = new Map<string, "broken" | "throttled" | "unavailable">();

  add(cluster: string, id: string, at: Date): void {
    const key = clusterKey({ id: cluster });
    this.calls.set(key, [...(this.calls.get(key) ?? []), adminCall(id, at)]);
  }

  async adminCalls(cluster: ManagedCluster, from: Date, to: Date): Promise<AdminCallsAnswer> {
    const failing = this.failing.get(cluster.id);
    if (failing === "broken") throw new Error("the fake log is broken");
    if (failing === "throttled") throw new TransientError("LOGS_THROTTLED", "429");
    if (failing === "unavailable") return { kind: "unavailable", code: "LOGS_FORBIDDEN", reason: "no permission" };
    const calls = (this.calls.get(clusterKey(cluster)) ?? []).filter(
      (call) => Date.parse(call.at) >= from.getTime() && Date.parse(call.at) <= to.getTime(),
    );
    return { kind: "found", calls, truncated: false };
  }
}

export const cluster = parseManagedClusterId(CLUSTER_ID)!;
export const MIN = 60_000;
export const T0 = Date.UTC(2026, 10, 28, 10, 0);
export const t = (minute: number) => new Date(T0 + minute * MIN);

/** A window enabled at minute 0 and locked at 10. */
export const WINDOW_A: WatchedWindow = {
  requestId: "req-A",
  cluster,
  enabledSince: t(0).toISOString(),
  lockedAt: t(10).toISOString(),
};

class FakeStore implements CredentialWatchStore {
  doc: ClusterWatch = { windows: [] };
  version = 0;
  failSave = false;
  readonly after = new Map<string, AdminCall[]>();

  async watch(window: WatchedWindow) {
    if (this.doc.windows.some((watched) => watched.requestId === window.requestId)) return;
    this.write({ ...this.doc, windows: [...this.doc.windows, window] });
  }
  async afterWindow(requestId: string) {
    const calls = this.after.get(requestId) ?? [];
    return { entries: calls.length, items: calls };
  }
  async watchedClusters() {
    return this.doc.windows.length ? [structuredClone(this.doc)] : [];
  }
  async readCluster() {
    return { state: structuredClone(this.doc), version: String(this.version) };
  }
  async replaceCluster(_cluster: unknown, next: ClusterWatch, version: string | undefined) {
    if (version !== String(this.version)) return false;
    this.write(next);
    return true;
  }
  async updateCluster(_cluster: unknown, change: (current: ClusterWatch) => ClusterWatch) {
    if (this.failSave) throw new TransientError("STATE_TOO_LARGE", "too large");
    this.write(change(structuredClone(this.doc)));
  }
  async recordAfterWindow(requestId: string, calls: readonly AdminCall[]) {
    const current = this.after.get(requestId) ?? [];
    const known = new Set(current.map((call) => call.id));
    this.after.set(requestId, [...current, ...calls.filter((call) => !known.has(call.id))]);
  }
  private write(next: ClusterWatch) {
    this.doc = structuredClone(next);
    this.version++;
  }
}

export interface WatchEnvOptions {
  readonly rotate?: RotateCertificates;
  /** How long the awaited rotation takes, in minutes. */
  readonly rotationTakes?: number;
}

export function watchEnv(options: WatchEnvOptions = {}) {
  let now = T0;
  const store = new FakeStore();
  const rows: { call: AdminCall; visibleAt: number }[] = [];
  const alerts: Notification[] = [];
  const audits: { type: string; code?: string; details?: unknown }[] = [];
  const rotations: number[] = [];
  const queries: { kind: string; from: Date; to: Date }[] = [];
  const deps = {
    credentialWatch: store,
    registry: { read: async () => ({ windows: [] }) },
    activityLog: {
      adminCredentialFetches: async (_c: unknown, from: Date, to: Date) => {
        queries.push({ kind: "fetches", from, to });
        return [{ at: t(1).toISOString(), caller: "alice@contoso.com" }];
      },
      certificateRotations: async (_c: unknown, from: Date, to: Date) => {
        queries.push({ kind: "rotations", from, to });
        return rotations
          .filter((at) => at >= from.getTime() && at <= to.getTime())
          .map((at) => ({ at: new Date(at).toISOString(), caller: "x" }));
      },
    },
    kubeAudit: {
      adminCalls: async (_c: unknown, from: Date, to: Date) => ({
        kind: "found" as const,
        truncated: false,
        calls: rows
          .filter(
            ({ call, visibleAt }) =>
              visibleAt <= now && Date.parse(call.at) >= from.getTime() && Date.parse(call.at) <= to.getTime(),
          )
          .map(({ call }) => call)
          .sort((a, b) => a.at.localeCompare(b.at)),
      }),
    },
    clusterControl: {
      rotateCertificates: async () => {
        now += (options.rotationTakes ?? 0) * MIN; // the long-running operation is awaited
        rotations.push(now);
        return { kind: "rotated" as const };
      },
    },
    rotateCertificates: options.rotate ?? "never",
    timing: AZURE_WATCH_TIMING,
    audit: { append: async (entry: (typeof audits)[number]) => void audits.push(entry) },
    notifier: { send: async (message: Notification) => (alerts.push(message), []) },
    directory: new Proxy({}, { get: () => async () => Promise.reject(new Error("no directory")) }),
    approverGroupId: "g",
    alertEmails: ["sec@contoso.com"],
    memory: { lastCondition: async () => undefined, remember: async () => undefined },
    now: () => new Date(now),
    randomBytes: (size: number) => new Uint8Array(size),
    log: () => undefined,
  };
  const watch = createEvidenceWatch(deps as unknown as EvidenceWatchDependencies);
  return {
    store,
    watch,
    deps,
    audits,
    rotations,
    queries,
    set: (minute: number) => (now = T0 + minute * MIN),
    /** A call received at `at` whose row lands `landsAfter` minutes later. */
    call(id: string, at: number, landsAfter: number, more: Partial<AdminCall> = {}) {
      const call: AdminCall = {
        id,
        at: t(at).toISOString(),
        verb: "delete",
        resource: "pods",
        namespace: "kube-system",
        name: "x",
        user: "masterclient",
        sourceIp: "203.0.113.7",
        status: 200,
        ...more,
      };
      rows.push({ call, visibleAt: T0 + (at + landsAfter) * MIN });
    },
    /** One round a minute, from minute `from` to `to`. */
    async rounds(from: number, to: number) {
      for (let minute = from; minute <= to; minute++) {
        now = T0 + minute * MIN;
        await watch.run();
      }
    },
    usedAlerts: () => alerts.filter((message) => message.kind === "watchdog-credential-used-after-window"),
    usedAudits: () => audits.filter((entry) => entry.type === "credential-used-after-window"),
  };
}
