// GET /api/requests/{id}/evidence: each status as a request goes through its life, who may ask,
// the calls after the window from the evidence watch, hostile values as data, and a broken trail.
import { describe, expect, it } from "vitest";
import { TableCredentialWatch } from "../../src/adapters/azure/tableCredentialWatch.js";
import { composeTableStorage } from "../../src/app/composition.js";
import { SIMULATION_EVIDENCE_PLAN, type AdminCall } from "../../src/domain/evidence.js";
import { NOT_COLLECTED } from "../../src/domain/evidenceRecord.js";
import {
  createHarness,
  MINUTE,
  T0,
  WEU,
  type Harness,
  type HarnessOptions,
  type UserName,
} from "../support/harness.js";
import { adminCall, arriving, ScriptedKubeAudit } from "../support/kubeAudit.js";

const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE).toISOString();
const HOSTILE = `<script>alert("x")</script>&amp;\u0000'`;
const CALLS = [
  adminCall(1, at(2)),
  adminCall(2, at(3)),
  adminCall(3, at(4), { verb: "get", resource: "secrets", name: HOSTILE }),
];

async function harness(options: HarnessOptions = {}) {
  return createHarness({
    kubeAudit: new ScriptedKubeAudit(arriving(CALLS, [3])),
    ...options,
    env: { BREAKGLASS_EVIDENCE: "on", BREAKGLASS_ROTATE_CERTIFICATES: "never", ...options.env },
  });
}

async function requested(h: Harness): Promise<string> {
  const created = await h.call(h.app.api.createRequest, {
    as: "alice",
    json: { cluster: WEU, justification: "outage", ticket: "INC-1", duration: "PT15M" },
  });
  expect(created.status).toBe(202);
  return (created.body as { id: string }).id;
}

async function evidence(h: Harness, id: string, as: UserName = "alice") {
  const reply = await h.call(h.app.api.requestEvidence, { as, params: { id } });
  return { status: reply.status, body: reply.body as Record<string, unknown>, headers: reply.headers };
}

const approve = (h: Harness, id: string) =>
  h.call(h.app.api.approveRequest, { as: "bob", method: "POST", params: { id } });
const close = (h: Harness, id: string) =>
  h.call(h.app.api.closeRequest, { as: "alice", method: "POST", params: { id } });

describe("GET /api/requests/{id}/evidence", () => {
  it("pending while the window is open and while it is collected; then collected, with the calls after the window", async () => {
    const h = await harness();
    const id = await requested(h);
    expect((await evidence(h, id)).body).toEqual({ status: "pending", entries: 0, afterWindow: 0, items: [] });
    await approve(h, id);
    expect((await evidence(h, id)).body).toMatchObject({ status: "pending" });
    await h.call(h.app.dev!.devAdminCredentials, { as: "alice", params: { name: "aks-prod-weu" }, method: "POST" });
    await h.engine.advanceBy(5 * MINUTE);
    await close(h, id);
    expect((await h.app.requests.get(id))?.status).toBe("closed");
    expect((await evidence(h, id)).body).toMatchObject({ status: "pending" });

    const watch = new TableCredentialWatch(composeTableStorage(h.config, h.tablePrefix));
    const later: AdminCall = adminCall(9, at(30), { verb: "list", resource: "secrets", sourceIp: "203.0.113.9" });
    await watch.requests.replace(id, { entries: 1, items: [later] }, undefined);
    await h.engine.advanceBy(SIMULATION_EVIDENCE_PLAN.settleWithinMs);
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe("Completed");

    const answer = await evidence(h, id);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: "collected",
      entries: 3,
      afterWindow: 1,
      items: [
        ...CALLS.map(({ id: _id, ...call }) => ({ ...call, afterWindow: false })),
        { ...(({ id: _id, ...call }) => call)(later), afterWindow: true },
      ],
    });
    // Hostile values are data in JSON, never markup.
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect((answer.body.items as { name: string }[])[2]!.name).toBe(HOSTILE);
  });

  it("a workflow lost while it collects: pending until its plan's bound has long passed, then unavailable", async () => {
    const h = await harness();
    const id = await requested(h);
    await approve(h, id);
    await close(h, id);
    expect((await h.app.requests.get(id))?.status).toBe("closed");
    expect(await h.engine.terminate(id, "lost")).toBe("terminated");
    const { settleWithinMs, queryEveryMs } = SIMULATION_EVIDENCE_PLAN;
    h.clock.advance(settleWithinMs + 8 * queryEveryMs);
    expect((await evidence(h, id)).body).toMatchObject({ status: "pending" });
    h.clock.advance(1_000);
    expect((await evidence(h, id)).body).toMatchObject({
      status: "unavailable",
      reason: "the collection did not finish: the request's workflow stopped before it recorded the evidence",
    });
  });

  it("lets the requester and approvers read it; others and unknown or malformed ids get the same 404", async () => {
    const h = await harness();
    const id = await requested(h);
    for (const as of ["alice", "bob", "carol"] as const) expect((await evidence(h, id, as)).status, as).toBe(200);
    for (const [as, asked] of [
      ["mallory", id],
      ["bob", "bg-01m8gshv80v200jgzv74xjm1zr"],
      ["bob", "../audit"],
    ] as const) {
      const answer = await evidence(h, asked, as);
      expect(answer.status, `${as} ${asked}`).toBe(404);
      expect(answer.body).toMatchObject({ error: { code: "REQUEST_NOT_FOUND" } });
    }
    expect((await h.call(h.app.api.requestEvidence, { params: { id } })).status).toBe(401);
  });

  it("unavailable, with the reason: no window opened, no kube-audit, evidence off", async () => {
    const h = await harness();
    const denied = await requested(h);
    await h.call(h.app.api.denyRequest, { as: "bob", params: { id: denied }, json: { reason: "use the runbook" } });
    expect((await evidence(h, denied)).body).toMatchObject({
      status: "unavailable",
      reason: expect.stringMatching(/^no window was opened \(the request is denied: denied by .*use the runbook\)$/),
    });

    // With kube-audit off, nothing reaches the log.
    const quiet = await harness({ kubeAudit: new ScriptedKubeAudit(arriving([], [0])) });
    await quiet.world.clusterControl.setKubeAudit(quiet.cluster(), false);
    const off = await requested(quiet);
    await approve(quiet, off);
    await close(quiet, off);
    await quiet.engine.advanceBy(MINUTE);
    expect((await evidence(quiet, off)).body).toMatchObject({
      status: "unavailable",
      reason: expect.stringContaining("no diagnostic setting that sends kube-audit logs"),
      entries: 0,
    });

    const without = await harness({ env: { BREAKGLASS_EVIDENCE: "off" } });
    const old = await requested(without);
    await approve(without, old);
    await close(without, old);
    expect((await evidence(without, old)).body).toEqual({
      status: "unavailable",
      reason: NOT_COLLECTED,
      entries: 0,
      afterWindow: 0,
      items: [],
    });
  });

  it("says a trail that does not verify is broken instead of serving its evidence", async () => {
    const h = await harness();
    const id = await requested(h);
    await approve(h, id);
    await close(h, id);
    await h.engine.advanceBy(MINUTE);
    const entry = (await h.audit(id)).find((candidate) => candidate.type === "evidence-collected")!;
    await h.table("Audit").updateEntity({ partitionKey: id, rowKey: entry.key, message: "nothing to see" }, "Merge");
    expect((await evidence(h, id)).body).toMatchObject({
      status: "unavailable",
      reason: expect.stringMatching(/^the audit trail does not verify \(entry \d+: .*\): its evidence is not served$/),
      entries: 0,
      items: [],
    });
  });
});
