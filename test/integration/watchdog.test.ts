// The watchdog: it locks what a lost workflow left open, relocks local accounts enabled outside
// break-glass, and alerts about a cluster it cannot lock.
import { describe, expect, it } from "vitest";
import { CLOSE_RECORD_GRACE_MS, verifyRequestTrail } from "../../src/audit/verification.js";
import { clusterKey } from "../../src/domain/clusters.js";
import { createHarness, MINUTE, NEU } from "../support/harness.js";
import { openWindow, outboxKinds, requestStatus } from "../support/windows.js";

describe("watchdog", () => {
  it("locks a cluster whose workflow was terminated mid-window, within one watchdog period after the deadline, and names the request", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT15M");
    await h.engine.terminate(id, "an operator terminated it");
    const workflow = h.app.workflow(undefined as never);
    h.clock.advance(15 * MINUTE + 60_000); // past the deadline, within the grace period
    expect((await h.app.watchdog.run(workflow))[0]).toMatchObject({ action: "none", pruned: [] });
    expect(await h.localAccounts()).toBe("enabled");
    h.clock.advance(2 * MINUTE); // the next run, one period later
    const [report] = await h.app.watchdog.run(workflow);
    expect(report).toMatchObject({ pruned: [id], action: "locked" });
    expect(await h.localAccounts()).toBe("disabled");
    const alerts = (await h.world.outbox.list()).filter((message) => message.kind.startsWith("watchdog-"));
    expect(alerts.map((message) => message.kind)).toEqual([
      "watchdog-window-overdue",
      "watchdog-window-overdue",
      "watchdog-watchdog-locked",
      "watchdog-watchdog-locked",
    ]);
    expect(alerts[0]!.text).toContain(id);
    expect(alerts[0]!.text).toContain("its workflow was terminated");
    expect(alerts[1]!.recipients).toEqual(expect.arrayContaining(["alice@contoso.dev", "bob@contoso.dev"]));
    expect(await h.app.requests.get(id)).toMatchObject({ status: "closed", outcome: { code: "CLOSED_BY_WATCHDOG" } });
    // Its workflow will never record where the trail ends: the watchdog did, so it still verifies long after.
    expect((await h.app.auditIndex.get(id))!.closedHead).toMatchObject({
      entries: (await h.audit(id)).length,
      sealed: true,
    });
    h.clock.advance(CLOSE_RECORD_GRACE_MS + MINUTE);
    expect(await verifyRequestTrail(h.app, id, h.clock.date())).toMatchObject({ ok: true });
    const trail = await h.app.audit.readStream(`watchdog-${h.clock.date().toISOString().slice(0, 10)}`);
    expect(trail.map((entry) => entry.type)).toEqual(["watchdog-pruned", "watchdog-locked", "watchdog-certificates"]);
    expect(trail[0]).toMatchObject({
      message: "its workflow was terminated",
      details: { requestId: id, workflow: "terminated" },
    });
  });

  it("when it cannot record where the trail of a request it closes ends, it still alerts and locks", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT15M");
    await h.engine.terminate(id, "an operator terminated it");
    await h.table("AuditIndex").deleteTable();
    h.clock.advance(15 * MINUTE + 3 * MINUTE);
    const [report] = await h.app.watchdog.run(h.app.workflow(undefined as never));
    expect(report).toMatchObject({ pruned: [id], action: "locked" });
    expect(await h.localAccounts()).toBe("disabled");
    expect((await h.world.outbox.list()).map((message) => message.kind)).toContain("watchdog-window-overdue");
    expect((await h.app.requests.get(id))!.status).toBe("closed");
  });

  it("relocks local accounts enabled outside break-glass (drift), and says so once", async () => {
    const h = await createHarness();
    await h.world.clusterControl.setLocalAccountsOutOfBand(h.cluster(), true);
    const workflow = h.app.workflow(undefined as never);
    expect((await h.app.watchdog.run(workflow))[0]).toMatchObject({ action: "locked" });
    expect(await h.localAccounts()).toBe("disabled");
    const alert = (await h.world.outbox.list()).find((message) => message.kind === "watchdog-watchdog-locked")!;
    expect(alert.text).toContain("drift");
    expect((await h.app.watchdog.run(workflow))[0]).toMatchObject({ action: "none" });
  });

  it("only alerts on drift when BREAKGLASS_DRIFT_ACTION=alert, once, not at every run", async () => {
    const h = await createHarness({ env: { BREAKGLASS_DRIFT_ACTION: "alert" } });
    await h.world.clusterControl.setLocalAccountsOutOfBand(h.cluster(), true);
    const workflow = h.app.workflow(undefined as never);
    for (let run = 0; run < 3; run++)
      expect((await h.app.watchdog.run(workflow))[0]).toMatchObject({ action: "drift-alerted" });
    expect(await h.localAccounts()).toBe("enabled");
    expect((await outboxKinds(h)).filter((kind) => kind === "watchdog-drift")).toHaveLength(2); // teams + email, once
    await h.world.clusterControl.setLocalAccountsOutOfBand(h.cluster(), false);
    expect((await h.app.watchdog.run(workflow))[0]).toMatchObject({ action: "none" });
  });

  it("leaves an open window alone and alerts, without acting, about a cluster it cannot lock", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT15M");
    const workflow = h.app.workflow(undefined as never);
    expect((await h.app.watchdog.run(workflow))[0]).toMatchObject({ action: "none", pruned: [] });
    expect(await requestStatus(h, id)).toBe("open");
    const table = h.table("SimClusters");
    await table.updateEntity(
      { partitionKey: "cluster", rowKey: clusterKey(h.cluster(NEU)), entraIntegration: false },
      "Merge",
    );
    const reports = await h.app.watchdog.run(workflow);
    expect(reports[1]).toMatchObject({ action: "none", condition: "entra-integration-off" });
    await h.app.watchdog.run(workflow);
    expect((await outboxKinds(h)).filter((kind) => kind === "watchdog-entra-integration-off")).toHaveLength(2); // teams + email, once
  });
});
