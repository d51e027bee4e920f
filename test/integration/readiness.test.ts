// Readiness predicts what really happens (docs/design.md §10): in the simulation, each condition is
// broken through its dev route; readiness turns red naming the cluster and the check; the open (or
// the admin credential fetch) then really fails; restored, both are green again. And the readiness
// timer alerts each change once across its runs.
import { describe, expect, it } from "vitest";
import { ARM_ACTIONS } from "../../src/domain/armActions.js";
import type { ReadinessReport } from "../../src/domain/readiness.js";
import { createHarness, WEU, type Harness } from "../support/harness.js";

const red = (report: ReadinessReport) =>
  report.clusters.flatMap((cluster) =>
    cluster.checks.filter((check) => !check.ok).map((check) => `${cluster.name}/${check.name}: ${check.code}`),
  );

const dev = (h: Harness) => h.app.dev!;
const weu = { params: { name: "aks-prod-weu" } };

async function askAndApprove(h: Harness, ticket: string): Promise<string> {
  const created = await h.call(h.app.api.createRequest, {
    as: "alice",
    json: { cluster: WEU, justification: "Entra ID outage", ticket, duration: "PT1H" },
  });
  expect(created.status).toBe(202);
  const { id } = created.body as { id: string };
  expect((await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })).status).toBe(202);
  return id;
}

describe("readiness against the simulated world", () => {
  it("is ready when nothing is broken, and GET /api/readiness says so to an approver", async () => {
    const h = await createHarness();
    const reply = await h.call(h.app.api.readiness, { as: "bob" });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      ready: true,
      clusters: [{ name: "aks-prod-weu", ready: true }, { ready: true }],
    });
  });

  it("red without managedClusters/write ⇔ the open is refused; restored, green and it opens", async () => {
    const h = await createHarness();
    const write = ARM_ACTIONS.writeCluster.action;
    await h.call(dev(h).devSetPermission, { ...weu, json: { action: write, granted: false } });
    expect(red(await h.app.readiness.refresh())).toEqual(["aks-prod-weu/app-permissions: PERMISSION_MISSING"]);
    const refused = await askAndApprove(h, "INC-1");
    expect(await h.app.requests.get(refused)).toMatchObject({
      status: "failed",
      outcome: { code: "AuthorizationFailed" },
    });
    expect(await h.localAccounts()).toBe("disabled");

    await h.call(dev(h).devSetPermission, { ...weu, json: { action: write, granted: true } });
    expect(red(await h.app.readiness.refresh())).toEqual([]);
    const opened = await askAndApprove(h, "INC-2");
    expect((await h.app.requests.get(opened))?.status).toBe("open");
  });

  it("red without the emergency group's Cluster Admin role ⇔ the admin credential fetch is refused", async () => {
    const h = await createHarness();
    await h.call(dev(h).devSetEmergencyRole, { ...weu, json: { assigned: false } });
    expect(red(await h.app.readiness.refresh())).toEqual(["aks-prod-weu/emergency-admin-role: EMERGENCY_ROLE_MISSING"]);
    await askAndApprove(h, "INC-3");
    const fetch = () => h.call(dev(h).devAdminCredentials, { ...weu, as: "alice", method: "POST" });
    expect((await fetch()).status).toBe(403);

    await h.call(dev(h).devSetEmergencyRole, { ...weu, json: { assigned: true } });
    expect(red(await h.app.readiness.refresh())).toEqual([]);
    expect((await fetch()).status).toBe(200);
  });

  it("red with kube-audit off; green again once it is on", async () => {
    const h = await createHarness();
    await h.call(dev(h).devSetAuditLogs, { ...weu, json: { enabled: false } });
    expect(red(await h.app.readiness.refresh())).toEqual(["aks-prod-weu/kube-audit-logs: KUBE_AUDIT_OFF"]);
    await h.call(dev(h).devSetAuditLogs, { ...weu, json: { enabled: true } });
    expect(red(await h.app.readiness.refresh())).toEqual([]);
  });

  it("the timer alerts a check once when it turns red and once when it clears, across several runs", async () => {
    const h = await createHarness();
    const readinessMessages = async () =>
      (await h.world.outbox.list()).filter((message) => message.kind.startsWith("readiness-")).map((m) => m.kind);
    await h.app.readinessWatch.run();
    expect(await readinessMessages()).toEqual([]);
    await h.call(dev(h).devSetEmergencyRole, { ...weu, json: { assigned: false } });
    await h.app.readinessWatch.run();
    await h.app.readinessWatch.run();
    const afterRed = await readinessMessages();
    expect(afterRed.length).toBeGreaterThan(0);
    expect(new Set(afterRed)).toEqual(new Set(["readiness-check-failed"]));
    await h.call(dev(h).devSetEmergencyRole, { ...weu, json: { assigned: true } });
    await h.app.readinessWatch.run();
    await h.app.readinessWatch.run();
    const all = await readinessMessages();
    expect(all.slice(afterRed.length).every((kind) => kind === "readiness-check-cleared")).toBe(true);
    expect(all.length).toBe(afterRed.length * 2);
  });
});
