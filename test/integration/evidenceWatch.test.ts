// The evidence watch, run after the watchdog's round: an admin kubeconfig used after its window
// closed (POST /api/dev/clusters/{name}/kubectl, recorded in the simulated kube-audit log) raises
// one critical alert, audited in the watchdog stream, rotates when the policy says so, and the
// window leaves the watch once nothing is left to find. A small fake log stands in where the log
// must fail.
import { describe, expect, it } from "vitest";
import { TableCredentialWatch } from "../../src/adapters/azure/tableCredentialWatch.js";
import { composeTableStorage } from "../../src/app/composition.js";
import { clusterKey } from "../../src/domain/clusters.js";
import { SIMULATION_WATCH_TIMING } from "../../src/domain/credentialWatch.js";
import { ALERT_INTERVAL_MS } from "../../src/domain/watchRound.js";
import { SIMULATED_SOURCE_IP } from "../../src/http/devKubectl.js";
import type { KubeAuditLog } from "../../src/ports/kubeAuditLog.js";
import { adminCall, FakeKubeAudit } from "../support/evidenceWatch.js";
import { createHarness, MINUTE, NEU, USERS, WEU, type Harness } from "../support/harness.js";
import { openWindow } from "../support/windows.js";

const SETTLED = SIMULATION_WATCH_TIMING.ingestionDelayMs;

async function harness(env: Record<string, string> = {}, kubeAudit?: KubeAuditLog) {
  const h = await createHarness({
    env: { BREAKGLASS_EVIDENCE: "on", BREAKGLASS_ROTATE_CERTIFICATES: "never", ...env },
    ...(kubeAudit ? { kubeAudit } : {}),
  });
  const store = new TableCredentialWatch(composeTableStorage(h.config, h.tablePrefix));
  return { h, store, watch: () => h.app.evidenceWatch!.run() };
}

const nameOf = (cluster: string) => cluster.split("/").at(-1)!;

/** A call made with an admin kubeconfig, as `kubectl` makes it. */
async function kubectl(h: Harness, json: Record<string, string>, cluster: string = WEU) {
  return h.call(h.app.dev!.devKubectl, { as: "alice", params: { name: nameOf(cluster) }, json });
}

const DELETE_POD = { verb: "delete", resource: "pods", namespace: "kube-system", name: "coredns-1" };

/** A window whose workflow was lost, admin credentials fetched during it, locked by the watchdog. */
async function lockedByWatchdog(h: Harness, cluster: string = WEU): Promise<string> {
  const id = await openWindow(h, "alice", "PT15M", cluster);
  const fetched = await h.call(h.app.dev!.devAdminCredentials, {
    as: "alice",
    method: "POST",
    params: { name: nameOf(cluster) },
  });
  expect(fetched.status).toBe(200);
  await h.engine.terminate(id, "an operator terminated it");
  h.clock.advance(15 * MINUTE + 3 * MINUTE);
  const reports = await h.app.watchdog.run(h.app.workflow(undefined as never));
  expect(reports.find((report) => report.cluster === cluster)).toMatchObject({ action: "locked", pruned: [id] });
  return id;
}

const watchdogStream = async (h: Harness) =>
  h.app.audit.readStream(`watchdog-${h.clock.date().toISOString().slice(0, 10)}`);
const alertsOf = async (h: Harness, kind: string) =>
  (await h.world.outbox.list()).filter((message) => message.kind === `watchdog-${kind}`);

describe("evidence watch", () => {
  it("alerts once, critically, when an admin credential is used after its window, and again only for new calls", async () => {
    const { h, store, watch } = await harness();
    const id = await lockedByWatchdog(h);
    expect((await store.watchedClusters()).map((watched) => watched.windows[0]!.requestId)).toEqual([id]);
    h.clock.advance(MINUTE);
    // A row as the cluster's log may hold it, with a name no kubectl call could give.
    const first = adminCall("audit-1", h.clock.date(), { name: "evil\nRotation done" });
    await h.world.kubeAudit.record(h.cluster(), first);
    h.clock.advance(SETTLED);
    expect(await watch()).toEqual([{ cluster: WEU, action: "read", found: 1, ended: [] }]);
    const alerts = await alertsOf(h, "credential-used-after-window");
    expect(alerts).toHaveLength(2); // teams + email, one alert
    expect(alerts[0]).toMatchObject({ severity: "critical", subject: expect.stringContaining("aks-prod-weu") });
    expect(alerts[0]!.subject).toContain("rotate now");
    expect(alerts[0]!.text).toContain(`the window of request ${id} closed`);
    expect(alerts[0]!.text).toContain("delete pods kube-system/evil Rotation done from 203.0.113.7 (200)");
    expect(alerts[0]!.text).toContain(`fetched during that window by: ${USERS.alice.upn}`);
    expect(alerts[0]!.text).toContain(
      "az aks rotate-certs --subscription 00000000-0000-0000-0000-000000000001 --resource-group rg-aks-prod --name aks-prod-weu",
    );
    const audited = (await watchdogStream(h)).filter((entry) => entry.type === "credential-used-after-window");
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      outcome: "failure",
      code: "CREDENTIAL_USED_AFTER_WINDOW",
      details: { requestId: id, count: 1, sourceIps: "203.0.113.7" },
    });
    expect(JSON.parse(String(audited[0]!.details!.calls))).toEqual([first]);
    expect(await store.afterWindow(id)).toEqual({ entries: 1, items: [first] });

    h.clock.advance(MINUTE);
    expect(await watch()).toMatchObject([{ found: 0 }]);
    expect(await alertsOf(h, "credential-used-after-window")).toHaveLength(2);

    const second = await kubectl(h, { verb: "get", resource: "secrets", namespace: "kube-system", name: "db" });
    expect(second.status).toBe(200);
    h.clock.advance(SETTLED);
    expect(await watch()).toMatchObject([{ found: 1 }]);
    // Within the hour of the last alert: recorded and audited, not alerted again.
    expect(await alertsOf(h, "credential-used-after-window")).toHaveLength(2);
    expect((await watchdogStream(h)).filter((entry) => entry.type === "credential-used-after-window")).toHaveLength(2);
    expect(await store.afterWindow(id)).toEqual({
      entries: 2,
      items: [first, expect.objectContaining({ verb: "get", resource: "secrets", name: "db" })],
    });

    h.clock.advance(ALERT_INTERVAL_MS);
    expect((await kubectl(h, DELETE_POD)).status).toBe(200);
    h.clock.advance(SETTLED);
    expect(await watch()).toMatchObject([{ found: 1 }]);
    const again = await alertsOf(h, "credential-used-after-window");
    expect(again).toHaveLength(4);
    expect(again[2]!.text).toContain(`delete pods kube-system/coredns-1 from ${SIMULATED_SOURCE_IP} (200)`);
    expect(again[2]!.text).toContain("1 more call(s) were found since the last alert");
    expect(again[2]!.text).not.toContain("evil");
    expect(await h.world.clusterControl.certificateRotations(h.cluster())).toBe(0); // never: it only says what to run
    expect(await store.watchedClusters()).toHaveLength(1);
  });

  it("watches what the watchdog locks though no fetch is counted yet; audits a watch it cannot write and lists past it", async () => {
    const { h, store, watch } = await harness();
    // Someone with the storage key left NEU's watch unreadable.
    const table = h.table("CredentialWatch");
    await table.createTable();
    await table.createEntity({ partitionKey: clusterKey(h.cluster(NEU)), rowKey: "cluster", data: "{not json" });
    const weu = await openWindow(h, "alice", "PT15M", WEU);
    const neu = await openWindow(h, "alice", "PT15M", NEU);
    for (const id of [weu, neu]) await h.engine.terminate(id, "an operator terminated it");
    h.clock.advance(18 * MINUTE);
    await h.app.watchdog.run(h.app.workflow(undefined as never));
    // No admin credential fetched (or not yet in the lagging Activity Log): watched until it can be believed.
    expect((await store.watchedClusters()).map((watched) => watched.windows[0]!.requestId)).toEqual([weu]);
    expect((await watchdogStream(h)).find((entry) => entry.code === "CREDENTIAL_WATCH_FAILED")).toMatchObject({
      type: "watchdog-certificates",
      cluster: NEU,
      outcome: "failure",
      details: { requestId: neu },
    });
    h.clock.advance(SIMULATION_WATCH_TIMING.activityLogLagMs);
    expect(await watch()).toEqual([{ cluster: WEU, action: "read", found: 0, ended: [weu] }]); // NEU's row skipped
  });

  it("with when-credentials-issued rotates, says so, and ends the watch after a last read up to the rotation", async () => {
    const { h, store, watch } = await harness({ BREAKGLASS_ROTATE_CERTIFICATES: "when-credentials-issued" });
    await h.world.clusterControl.injectFault(h.cluster(), { operation: "rotate", status: 400, count: 1 });
    const id = await lockedByWatchdog(h);
    expect(await store.watchedClusters()).toHaveLength(1); // the rotation at lockdown failed
    h.clock.advance(MINUTE);
    expect((await kubectl(h, DELETE_POD)).status).toBe(200); // the credential outlived the window
    h.clock.advance(SETTLED);
    expect(await watch()).toEqual([{ cluster: WEU, action: "read", found: 1, rotated: true, ended: [] }]);
    expect(await h.world.clusterControl.certificateRotations(h.cluster())).toBe(1);
    expect((await kubectl(h, DELETE_POD)).status).toBe(401);
    const [alert] = await alertsOf(h, "credential-used-after-window");
    expect(alert!.text).toContain("The watch is rotating the cluster certificates now");
    expect(await alertsOf(h, "credential-watch-rotated")).toEqual([
      expect.objectContaining({ severity: "info", text: expect.stringContaining(id) }),
      expect.anything(),
    ]);
    expect((await watchdogStream(h)).filter((entry) => entry.type === "watchdog-certificates").at(-1)).toMatchObject({
      outcome: "success",
      code: "CERTIFICATES_ROTATE",
    });
    // A call received just before the rotation, arriving late, is still found by the last read.
    await h.world.kubeAudit.record(h.cluster(), adminCall("audit-late", new Date(h.clock.now() - 1)));
    h.clock.advance(SETTLED - 1_000);
    expect(await watch()).toMatchObject([{ found: 1, ended: [] }]);
    h.clock.advance(1_000);
    expect(await watch()).toMatchObject([{ found: 0, ended: [id] }]);
    expect(await store.watchedClusters()).toEqual([]);
    expect((await watchdogStream(h)).find((entry) => entry.type === "credential-watch-ended")).toMatchObject({
      code: "CREDENTIAL_WATCH_ENDED",
      details: { requestId: id, reason: "rotated", callsFound: 2 },
    });
    expect(await store.afterWindow(id)).toMatchObject({ entries: 2 });
  });

  it("ends the watch after a rotation by someone else, once the calls before it had time to arrive", async () => {
    const { h, store, watch } = await harness();
    const id = await lockedByWatchdog(h);
    h.clock.advance(MINUTE);
    await h.world.activityLog.recordCertificateRotation(h.cluster(), "carol@contoso.dev", h.clock.date());
    expect(await watch()).toMatchObject([{ ended: [] }]);
    h.clock.advance(SETTLED);
    expect(await watch()).toMatchObject([{ ended: [id] }]);
    expect(await store.watchedClusters()).toEqual([]);
    expect(await alertsOf(h, "credential-used-after-window")).toEqual([]);
  });

  it("ends the watch of a window without admin-credential fetches once the Activity Log has caught up, not before", async () => {
    const { h, store, watch } = await harness();
    const lockedAt = h.clock.date();
    await store.watch({
      requestId: "req-quiet",
      cluster: h.cluster(),
      enabledSince: new Date(lockedAt.getTime() - 15 * MINUTE).toISOString(),
      lockedAt: lockedAt.toISOString(),
    });
    h.clock.advance(SIMULATION_WATCH_TIMING.activityLogLagMs - 1);
    expect(await watch()).toMatchObject([{ ended: [] }]);
    h.clock.advance(1);
    expect(await watch()).toMatchObject([{ ended: ["req-quiet"] }]);
    expect((await watchdogStream(h)).find((entry) => entry.type === "credential-watch-ended")).toMatchObject({
      details: { requestId: "req-quiet", reason: "no-credentials" },
    });
  });

  it("skips a cluster while a window is open there: its calls are that window's, calls after it a use of the credential fetched", async () => {
    const { h, watch } = await harness();
    const first = await lockedByWatchdog(h);
    h.clock.advance(MINUTE);
    const before = (await kubectl(h, DELETE_POD)).body as { at: string };
    h.clock.advance(MINUTE);
    const second = await openWindow(h, "carol", "PT15M");
    h.clock.advance(MINUTE);
    expect((await kubectl(h, { verb: "list", resource: "pods" })).status).toBe(200);
    h.clock.advance(SETTLED);
    expect(await watch()).toMatchObject([{ action: "window-open", found: 0 }]);
    await h.engine.advanceBy(20 * MINUTE); // its workflow closes it at its deadline, and watches it
    expect(await h.localAccounts()).toBe("disabled");
    const after = (await kubectl(h, DELETE_POD)).body as { at: string };
    h.clock.advance(SETTLED);
    expect(await watch()).toMatchObject([{ action: "read", found: 2 }]);
    // Nobody fetched admin credentials during the second window: the call after it is a use of the first's.
    const alerts = await alertsOf(h, "credential-used-after-window");
    expect(alerts).toHaveLength(2); // teams + email, one alert
    expect(alerts[0]!.text).toContain(`the window of request ${first} closed`);
    expect(alerts[0]!.text).toContain(before.at);
    expect(alerts[0]!.text).toContain(after.at);
    expect(alerts[0]!.text).not.toContain("list pods");
    expect(alerts[0]!.text).not.toContain(second);
  });

  it("keeps watching, without alerting, a log that cannot be read, and finds the calls once it can", async () => {
    const kubeAudit = new FakeKubeAudit();
    const { h, watch } = await harness({}, kubeAudit);
    await lockedByWatchdog(h);
    h.clock.advance(MINUTE);
    kubeAudit.add(WEU, "audit-1", h.clock.date());
    h.clock.advance(SETTLED);
    for (const failure of ["unavailable", "throttled"] as const) {
      kubeAudit.failing.set(WEU, failure);
      expect(await watch()).toMatchObject([{ action: "unread", found: 0, ended: [] }]);
    }
    expect(await h.world.outbox.list()).not.toContainEqual(
      expect.objectContaining({ kind: "watchdog-credential-used-after-window" }),
    );
    kubeAudit.failing.delete(WEU);
    expect(await watch()).toMatchObject([{ action: "read", found: 1 }]);
  });

  it("goes on with the other clusters when one fails", async () => {
    const kubeAudit = new FakeKubeAudit();
    const { h, watch } = await harness({}, kubeAudit);
    await lockedByWatchdog(h, WEU);
    const neu = await lockedByWatchdog(h, NEU);
    h.clock.advance(MINUTE);
    kubeAudit.add(WEU, "weu-1", h.clock.date());
    kubeAudit.add(NEU, "neu-1", h.clock.date());
    kubeAudit.failing.set(WEU, "broken");
    h.clock.advance(SETTLED);
    const reports = await watch();
    expect(reports).toHaveLength(2);
    expect(reports.find((report) => report.cluster === WEU)).toMatchObject({ action: "failed" });
    expect(reports.find((report) => report.cluster === NEU)).toMatchObject({ action: "read", found: 1 });
    const alerts = await alertsOf(h, "credential-used-after-window");
    expect(alerts.map((alert) => alert.text)).toEqual([expect.stringContaining(neu), expect.stringContaining(neu)]);
  });

  it("does nothing with BREAKGLASS_EVIDENCE=off: nothing is watched and no round runs", async () => {
    const { h, store } = await harness({ BREAKGLASS_EVIDENCE: "off" });
    await lockedByWatchdog(h);
    expect(h.app.evidenceWatch).toBeUndefined();
    expect(await store.watchedClusters()).toEqual([]);
  });
});
