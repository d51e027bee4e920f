// The emergency-window orchestration, run by the durable engine through durable-functions'
// own replay executor, with the real activities against simulated clusters, directory and
// outbox in Azurite. Every scenario checks the cluster's local accounts and the audit trail.
import { verifyRequestTrail } from "../../src/audit/verification.js";
import { describe, expect, it } from "vitest";
import type { Notifier } from "../../src/ports/notifier.js";
import { REQUEST_ACTION_EVENT } from "../../src/workflow/contracts.js";
import { createHarness, MINUTE, T0, USERS, WEU, type Harness, type UserName } from "../support/harness.js";
import { DEADLINE_TRAIL, CLOSED_EARLY_TRAIL } from "../support/trails.js";

const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();

async function requestWindow(h: Harness, as: UserName = "alice", duration = "PT1H"): Promise<string> {
  const reply = await h.call(h.app.api.createRequest, {
    as,
    json: { cluster: WEU, justification: "Entra ID outage: kubectl through AAD fails", ticket: "INC-4242", duration },
  });
  expect(reply.status).toBe(202);
  return (reply.body as { id: string }).id;
}

async function decide(h: Harness, id: string, decision: "approve" | "deny" | "close", as: UserName, json?: unknown) {
  const handler = { approve: h.app.api.approveRequest, deny: h.app.api.denyRequest, close: h.app.api.closeRequest }[
    decision
  ];
  return h.call(handler, { as, params: { id }, method: "POST", ...(json === undefined ? {} : { json }) });
}

async function stored(h: Harness, id: string) {
  const request = await h.app.requests.get(id);
  if (!request) throw new Error(`no request ${id}`);
  return request;
}

/** The workflow's calls on the cluster, in order: "open" and "close" attempts. */
function clusterCalls(h: Harness, id: string) {
  const names: Record<string, string> = { openWindowOnCluster: "open", closeWindowOnCluster: "close" };
  return h.engine.activityCalls(id).flatMap((call) => (names[call.name] ? [names[call.name]!] : []));
}

describe("emergency-window workflow", () => {
  it("approved → open → closed at the deadline", async () => {
    const h = await createHarness();
    const id = await requestWindow(h);
    expect(await stored(h, id)).toMatchObject({ status: "pending-approval", approvalDeadline: at(30 * MINUTE) });
    expect(await h.localAccounts()).toBe("disabled");

    h.clock.advance(5 * MINUTE);
    expect((await decide(h, id, "approve", "bob")).status).toBe(202);
    expect(await stored(h, id)).toMatchObject({
      status: "open",
      approvals: [{ approver: { oid: USERS.bob.oid, upn: "bob@contoso.dev" }, at: at(5 * MINUTE) }],
      window: { openedAt: at(5 * MINUTE), closesAt: at(65 * MINUTE) },
    });
    expect(await h.localAccounts()).toBe("enabled");

    await h.engine.advanceBy(60 * MINUTE - 1);
    expect((await stored(h, id)).status).toBe("open");
    expect(await h.localAccounts()).toBe("enabled");

    await h.engine.advanceBy(1);
    expect(await stored(h, id)).toMatchObject({
      status: "closed",
      window: { openedAt: at(5 * MINUTE), closesAt: at(65 * MINUTE), closedAt: at(65 * MINUTE) },
      outcome: { code: "WINDOW_ENDED" },
    });
    expect(await h.localAccounts()).toBe("disabled");
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe("Completed");
    expect(clusterCalls(h, id)).toEqual(["open", "close"]);
    expect(await h.world.clusterControl.localAccountWrites(h.cluster())).toBe(2);

    const trail = await h.audit(id);
    expect(trail.map((entry) => entry.type)).toEqual([...DEADLINE_TRAIL]);
    expect(trail.map((entry) => entry.key)).toEqual(trail.map((_, index) => String(index).padStart(6, "0")));
    expect(trail[0]).toMatchObject({
      actor: { oid: USERS.alice.oid, upn: "alice@contoso.dev" },
      cluster: WEU,
      at: at(0),
    });
    expect(trail[2]).toMatchObject({ actor: { oid: USERS.bob.oid }, outcome: "success" });
    expect(trail[8]).toMatchObject({ type: "locked", at: at(65 * MINUTE), details: { change: "changed" } });
    expect(trail[9]).toMatchObject({ type: "certificates-checked", details: { action: "none", fetches: 0 } });

    const outbox = await h.world.outbox.list(id);
    expect(outbox.map((message) => `${message.kind}/${message.channel}`)).toEqual([
      "approval-requested/teams",
      "approval-requested/email",
      "opened/teams",
      "opened/email",
      "closed/teams",
      "closed/email",
    ]);
    // The approvers are asked by mail; the requester (not an approver) is not.
    expect(outbox[1]!.recipients).toEqual(["bob@contoso.dev", "carol@contoso.dev"]);
    expect(outbox[3]!.recipients).toEqual(["alice@contoso.dev"]);
    expect(outbox[3]!.text).toContain(
      "az aks get-credentials --subscription 00000000-0000-0000-0000-000000000001 --resource-group rg-aks-prod --name aks-prod-weu --admin",
    );
  });

  it("denied: nothing is enabled and the requester is told why", async () => {
    const h = await createHarness();
    const id = await requestWindow(h);
    expect((await decide(h, id, "deny", "bob", { reason: "use the runbook first" })).status).toBe(202);
    expect(await stored(h, id)).toMatchObject({
      status: "denied",
      outcome: {
        code: "DENIED",
        by: { oid: USERS.bob.oid },
        message: expect.stringContaining("use the runbook first"),
      },
    });
    expect(await h.localAccounts()).toBe("disabled");
    expect(clusterCalls(h, id)).toEqual([]);
    expect(await h.auditTypes(id)).toEqual(["requested", "approvers-notified", "denied"]);
    expect((await h.audit(id))[2]).toMatchObject({ actor: { oid: USERS.bob.oid }, code: "DENIED", outcome: "info" });
    expect((await h.world.outbox.list(id)).filter((m) => m.kind === "denied").map((m) => m.channel)).toEqual([
      "teams",
      "email",
    ]);
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe("Completed");
  });

  it("approval timeout → expired", async () => {
    const h = await createHarness();
    const id = await requestWindow(h);
    await h.engine.advanceBy(30 * MINUTE - 1);
    expect((await stored(h, id)).status).toBe("pending-approval");
    await h.engine.advanceBy(1);
    expect(await stored(h, id)).toMatchObject({
      status: "expired",
      outcome: { code: "APPROVAL_TIMEOUT", at: at(30 * MINUTE) },
    });
    expect(await h.localAccounts()).toBe("disabled");
    expect(clusterCalls(h, id)).toEqual([]);
    expect(await h.auditTypes(id)).toEqual(["requested", "approvers-notified", "expired"]);
    const expiredMessages = (await h.world.outbox.list(id)).filter((message) => message.kind === "expired");
    expect(expiredMessages.map((message) => [message.channel, message.recipients])).toEqual([
      ["teams", ["teams:aks-breakglass-approvers"]],
      ["email", ["alice@contoso.dev"]],
    ]);
    // Too late: the window can no longer be approved.
    expect((await decide(h, id, "approve", "bob")).status).toBe(409);
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("early close by the requester ends the window now", async () => {
    const h = await createHarness();
    const id = await requestWindow(h);
    await decide(h, id, "approve", "bob");
    await h.engine.advanceBy(10 * MINUTE);
    expect((await decide(h, id, "close", "alice")).status).toBe(202);
    expect(await stored(h, id)).toMatchObject({
      status: "closed",
      window: { closedAt: at(10 * MINUTE) },
      outcome: { code: "CLOSED_EARLY", by: { oid: USERS.alice.oid } },
    });
    expect(await h.localAccounts()).toBe("disabled");
    expect(await h.auditTypes(id)).toEqual(CLOSED_EARLY_TRAIL);
    expect((await h.audit(id))[6]).toMatchObject({ actor: { oid: USERS.alice.oid } });
    expect((await h.audit(id)).find((entry) => entry.type === "closed")).toMatchObject({
      outcome: "success",
      code: "CLOSED_EARLY",
    });
    // Its timer was cancelled, so the instance is done at once, not at the old deadline.
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe("Completed");
  });

  it("an approver may close a window; a pending request closed is withdrawn without touching the cluster", async () => {
    const h = await createHarness();
    const open = await requestWindow(h);
    await decide(h, open, "approve", "bob");
    expect((await decide(h, open, "close", "bob")).status).toBe(202);
    expect(await stored(h, open)).toMatchObject({
      status: "closed",
      outcome: { code: "CLOSED_EARLY", by: { oid: USERS.bob.oid } },
    });

    const pending = await requestWindow(h);
    expect((await decide(h, pending, "close", "alice")).status).toBe(202);
    expect(await stored(h, pending)).toMatchObject({ status: "closed", outcome: { code: "WITHDRAWN" } });
    expect((await stored(h, pending)).window).toBeUndefined();
    expect(clusterCalls(h, pending)).toEqual([]);
    expect(await h.auditTypes(pending)).toEqual(["requested", "approvers-notified", "withdrawn"]);
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("two required approvals: one is not enough, and the same approver twice counts once", async () => {
    const h = await createHarness({ env: { BREAKGLASS_REQUIRED_APPROVALS: "2" } });
    const id = await requestWindow(h);
    expect((await decide(h, id, "approve", "bob")).status).toBe(202);
    expect(await stored(h, id)).toMatchObject({
      status: "pending-approval",
      approvals: [{ approver: { oid: USERS.bob.oid } }],
    });
    expect(await h.localAccounts()).toBe("disabled");

    // The API refuses a second approval by the same person...
    expect((await decide(h, id, "approve", "bob")).status).toBe(409);
    // ...and should one reach the workflow anyway, it counts once; so does a self-approval.
    const bob = { oid: USERS.bob.oid, upn: USERS.bob.upn, displayName: USERS.bob.displayName };
    const alice = { oid: USERS.alice.oid, upn: USERS.alice.upn, displayName: USERS.alice.displayName };
    await h.engine.raiseEvent(id, REQUEST_ACTION_EVENT, { type: "approve", actor: bob, at: at(1) });
    await h.engine.raiseEvent(id, REQUEST_ACTION_EVENT, { type: "approve", actor: alice, at: at(2) });
    expect(await stored(h, id)).toMatchObject({ status: "pending-approval" });
    expect((await stored(h, id)).approvals).toHaveLength(1);
    expect(await h.localAccounts()).toBe("disabled");

    expect((await decide(h, id, "approve", "carol")).status).toBe(202);
    expect((await stored(h, id)).status).toBe("open");
    expect((await stored(h, id)).approvals.map((approval) => approval.approver.upn)).toEqual([
      "bob@contoso.dev",
      "carol@contoso.dev",
    ]);
    expect(await h.localAccounts()).toBe("enabled");

    const trail = await h.audit(id);
    expect(trail.map((entry) => entry.type).slice(0, 7)).toEqual([
      "requested",
      "approvers-notified",
      "approval-recorded",
      "approval-ignored",
      "approval-ignored",
      "approval-recorded",
      "approved",
    ]);
    expect(trail[3]).toMatchObject({ code: "DUPLICATE_APPROVAL", actor: { oid: USERS.bob.oid } });
    expect(trail[4]).toMatchObject({ code: "SELF_APPROVAL", actor: { oid: USERS.alice.oid } });
    expect(trail[5]).toMatchObject({ details: { approvals: 2, required: 2 } });
  });

  it("enable keeps failing → failed after about ten minutes, and local accounts stay disabled", async () => {
    const h = await createHarness();
    await h.world.clusterControl.injectFault(h.cluster(), { operation: "enable", status: 409, count: 99 });
    const id = await requestWindow(h);
    await decide(h, id, "approve", "bob");
    expect((await stored(h, id)).status).toBe("opening");
    await h.engine.advanceBy(9 * MINUTE);
    expect((await stored(h, id)).status).toBe("opening"); // still trying
    await h.engine.advanceBy(2 * MINUTE);
    expect(await stored(h, id)).toMatchObject({
      status: "failed",
      outcome: { code: "OPEN_TIMED_OUT", message: expect.stringContaining("ARM answered 409") },
    });
    expect(await h.localAccounts()).toBe("disabled");
    const calls = clusterCalls(h, id);
    expect(calls.at(-1)).toBe("close");
    expect(calls.filter((call) => call === "open").length).toBeGreaterThanOrEqual(10);
    const types = await h.auditTypes(id);
    expect(types.slice(0, 5)).toEqual(["requested", "approvers-notified", "approval-recorded", "approved", "enabling"]);
    expect(new Set(types.slice(5, -4))).toEqual(new Set(["enable-retry"]));
    expect(types.slice(-4)).toEqual(["enable-failed", "locking", "locked", "failed"]);
    expect((await h.audit(id)).find((entry) => entry.type === "enable-retry")).toMatchObject({
      outcome: "failure",
      code: "ARM_409",
      details: { attempt: 1 },
    });
    expect((await h.world.outbox.list(id)).some((message) => message.kind === "failed")).toBe(true);
    expect(await h.app.registry.read(h.cluster())).toEqual({ windows: [], closedAt: expect.any(String) as string });
  });

  it("an enable that ARM refuses for good fails at once, without retries", async () => {
    const h = await createHarness();
    await h.world.clusterControl.injectFault(h.cluster(), { operation: "enable", status: 400, count: 1 });
    const id = await requestWindow(h);
    await decide(h, id, "approve", "bob");
    expect(await stored(h, id)).toMatchObject({ status: "failed", outcome: { code: "BadRequest" } });
    expect(clusterCalls(h, id)).toEqual(["open", "close"]);
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("disable fails twice then succeeds → closed", async () => {
    const h = await createHarness();
    await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 500, count: 2 });
    const id = await requestWindow(h, "alice", "PT15M");
    await decide(h, id, "approve", "bob");
    await h.engine.advanceBy(15 * MINUTE);
    expect((await stored(h, id)).status).toBe("closing");
    expect(await h.localAccounts()).toBe("enabled");
    await h.engine.advanceBy(15_000); // first retry
    expect(await h.localAccounts()).toBe("enabled");
    await h.engine.advanceBy(30_000); // second retry, backoff doubled
    expect(await stored(h, id)).toMatchObject({ status: "closed", window: { closedAt: at(15 * MINUTE + 45_000) } });
    expect(await h.localAccounts()).toBe("disabled");
    expect(clusterCalls(h, id)).toEqual(["open", "close", "close", "close"]);
    expect((await h.auditTypes(id)).slice(-7)).toEqual([
      "deadline-reached",
      "locking",
      "lockdown-retry",
      "lockdown-retry",
      "locked",
      "certificates-checked",
      "closed",
    ]);
  });

  it("disable that keeps failing: lockdown-failed and a critical alert after three failures, retried until it works", async () => {
    const h = await createHarness({ env: { BREAKGLASS_ALERT_EMAILS: "secops@contoso.dev" } });
    await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 503, count: 1000 });
    const id = await requestWindow(h, "alice", "PT15M");
    await decide(h, id, "approve", "bob");
    await h.engine.advanceBy(15 * MINUTE + 2 * MINUTE);
    expect(await stored(h, id)).toMatchObject({ status: "lockdown-failed", outcome: { code: "ARM_503" } });
    expect(await h.localAccounts()).toBe("enabled");
    const alarm = (await h.world.outbox.list(id)).find(
      (message) => message.kind === "lockdown-failed" && message.channel === "email",
    );
    expect(alarm).toMatchObject({ severity: "critical", text: expect.stringContaining("Severity: CRITICAL") });
    expect(alarm!.recipients).toEqual([
      "alice@contoso.dev",
      "bob@contoso.dev",
      "carol@contoso.dev",
      "secops@contoso.dev",
    ]);

    await h.engine.advanceBy(6 * 60 * MINUTE); // six hours of failures
    expect((await stored(h, id)).status).toBe("lockdown-failed");
    expect(h.engine.executions(id)).toBeGreaterThan(5); // continued as new...
    expect(h.engine.history(id).length).toBeLessThan(400); // ...so that the history stays bounded
    expect((await h.world.outbox.list(id)).filter((message) => message.kind === "lockdown-failed")).toHaveLength(2); // one alarm, not one per attempt

    await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 503, count: 0 }); // ARM recovers
    await h.engine.advanceBy(5 * MINUTE);
    expect(await stored(h, id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
    expect(await h.localAccounts()).toBe("disabled");
    expect((await h.world.outbox.list(id)).some((message) => message.kind === "lockdown-recovered")).toBe(true);
    const trail = await h.audit(id);
    expect(trail.map((entry) => entry.key)).toEqual(trail.map((_, index) => String(index).padStart(6, "0"))); // no gaps across executions
    // ...and one unbroken hash chain across them, ending where the last execution said it ends.
    expect(await verifyRequestTrail(h.app, id, h.clock.date())).toEqual({ ok: true, entries: trail.length });
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe("Completed");
  });

  it("checks the requester again before enabling: removed from the group meanwhile → failed, nothing enabled", async () => {
    const h = await createHarness();
    const id = await requestWindow(h);
    await h.world.directory.removeMember(h.config.emergencyGroupId, USERS.alice.oid);
    await decide(h, id, "approve", "bob");
    expect(await stored(h, id)).toMatchObject({ status: "failed", outcome: { code: "NOT_EMERGENCY_MEMBER" } });
    expect(clusterCalls(h, id)).toEqual([]);
    expect(await h.localAccounts()).toBe("disabled");
    expect((await h.auditTypes(id)).slice(-2)).toEqual(["approved", "requester-ineligible"]);
  });

  it("a failed notification is audited and the workflow goes on", async () => {
    const failing: Notifier = { send: async () => [{ channel: "email", ok: false, error: "mail relay down" }] };
    const h = await createHarness({ notifier: failing });
    const id = await requestWindow(h);
    await decide(h, id, "approve", "bob");
    expect((await stored(h, id)).status).toBe("open");
    const trail = await h.audit(id);
    expect(trail[1]).toMatchObject({
      type: "notification-failed",
      outcome: "failure",
      message: "email: mail relay down",
      details: { notification: "approval-requested" },
    });
    expect(trail.map((entry) => entry.type)).toContain("opened");
  });

  it("a notifier that throws is contained the same way", async () => {
    const h = await createHarness({
      wrapActivity: (name, activity) =>
        name === "sendNotification" ? () => Promise.reject(new Error("bug")) : activity,
    });
    const id = await requestWindow(h);
    await decide(h, id, "approve", "bob");
    await h.engine.advanceBy(60 * MINUTE);
    expect((await stored(h, id)).status).toBe("closed");
    expect((await h.auditTypes(id)).filter((type) => type === "notification-failed")).toHaveLength(3);
  });

  it("ignores and audits a malformed event", async () => {
    const h = await createHarness();
    const id = await requestWindow(h);
    await h.engine.raiseEvent(id, REQUEST_ACTION_EVENT, { type: "approve", actor: "bob" });
    expect((await stored(h, id)).status).toBe("pending-approval");
    expect((await h.audit(id))[2]).toMatchObject({ type: "event-ignored", code: "MALFORMED_EVENT" });
  });

  it("after enabling, a storage outage delays the lockdown by seconds, and the audit entries are written when storage is back", async () => {
    let broken = false;
    const h = await createHarness({
      wrapActivity: (name, activity) =>
        name === "appendAuditEntry" || name === "recordRequestProgress"
          ? (input, context) => (broken ? Promise.reject(new Error("storage down")) : activity(input, context))
          : activity,
    });
    const id = await requestWindow(h, "alice", "PT15M");
    await decide(h, id, "approve", "bob");
    expect(await h.localAccounts()).toBe("enabled");
    broken = true;
    await h.engine.advanceBy(15 * MINUTE + 10_000);
    expect(await h.localAccounts()).toBe("disabled"); // within seconds of the deadline
    await h.engine.advanceBy(MINUTE); // the outage outlasts the whole close: every record of it is kept back
    expect((await stored(h, id)).status).toBe("open");
    broken = false;
    await h.engine.advanceBy(5 * MINUTE);
    expect(h.engine.getStatus(id)).toMatchObject({ runtimeStatus: "Completed", output: { status: "closed" } });
    expect(await stored(h, id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
    const trail = await h.audit(id);
    expect(trail.map((entry) => entry.key)).toEqual(trail.map((_, index) => String(index).padStart(6, "0")));
    expect(trail.map((entry) => entry.type).slice(-5)).toEqual([
      "deadline-reached",
      "locking",
      "locked",
      "certificates-checked",
      "closed",
    ]);
    // Written late and out of order, the entries still form the chain the workflow computed.
    expect(await verifyRequestTrail(h.app, id, h.clock.date())).toEqual({ ok: true, entries: trail.length });
  });

  it("an entry kept back by an outage while lockdown keeps failing: verify says the request is still running, and holds once it ends", async () => {
    let deadlineEntryFails = true;
    const h = await createHarness({
      wrapActivity: (name, activity) =>
        name === "appendAuditEntry"
          ? (input, context) =>
              deadlineEntryFails && (input as { type: string }).type === "deadline-reached"
                ? Promise.reject(new Error("audit table unavailable"))
                : activity(input, context)
          : activity,
    });
    const id = await requestWindow(h, "alice", "PT15M");
    await decide(h, id, "approve", "bob");
    await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 500, count: 2 });
    await h.engine.advanceBy(15 * MINUTE + 10_000); // the deadline: its entry is kept back, the lockdown fails
    deadlineEntryFails = false;
    const running = await verifyRequestTrail(h.app, id, h.clock.date());
    expect(running).toMatchObject({ ok: false, reason: expect.stringContaining("the request is still running") });
    await h.engine.advanceBy(5 * MINUTE); // the lockdown works; the kept-back entry is written
    expect((await stored(h, id)).status).toBe("closed");
    expect(await verifyRequestTrail(h.app, id, h.clock.date())).toMatchObject({ ok: true });
  });

  it("an audit write that keeps failing before opening fails the request, and the trail it leaves still verifies", async () => {
    let failures = 6 + 8; // the whole retry budget of one write, and a long outage after it
    const h = await createHarness({
      wrapActivity: (name, activity) =>
        name === "appendAuditEntry"
          ? (input, context) =>
              (input as { type: string }).type === "approvers-notified" && failures-- > 0
                ? Promise.reject(new Error("audit table unavailable"))
                : activity(input, context)
          : activity,
    });
    const id = await requestWindow(h);
    await h.engine.advanceBy(10 * MINUTE);
    expect(await stored(h, id)).toMatchObject({ status: "failed", outcome: { code: "WORKFLOW_ERROR" } });
    await h.engine.advanceBy(2 * 60 * MINUTE); // retried as patiently as the recorded end that counts it
    // The spent entry is written after all, late: no gap that would read as a deletion.
    expect((await h.audit(id)).map((entry) => entry.type)).toEqual(["requested", "approvers-notified", "failed"]);
    expect(await verifyRequestTrail(h.app, id, h.clock.date())).toEqual({ ok: true, entries: 3 });
  });

  it("a bookkeeping failure before enabling fails the request without touching the cluster", async () => {
    const h = await createHarness({
      wrapActivity: (name, activity) =>
        name === "checkRequesterEligible" ? () => Promise.reject(new Error("directory unreachable")) : activity,
    });
    const id = await requestWindow(h);
    await decide(h, id, "approve", "bob");
    await h.engine.advanceBy(10 * MINUTE);
    expect(await stored(h, id)).toMatchObject({ status: "failed", outcome: { code: "WORKFLOW_ERROR" } });
    expect(clusterCalls(h, id)).toEqual([]);
    expect(await h.localAccounts()).toBe("disabled");
    // The requester may ask again: the live-request slot was released.
    expect(await requestWindow(h)).not.toBe(id);
  });
});
