// Decisions race the workflow: the API checks the stored request, then hands the action over, and
// the workflow may have moved on in between. Every action handed over leaves exactly one entry in
// the request's trail that names it (counted or ignored, and why), also when it arrived after the
// workflow ended, and GET /api/requests/{id} tells each actor what became of their last action.
import { InvocationContext } from "@azure/functions";
import { describe, expect, inject, it } from "vitest";
import { ActionDelivery } from "../../src/actions/delivery.js";
import { TableActionLedger } from "../../src/adapters/azure/tableActionLedger.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import type { RequestAction, WorkflowClient } from "../../src/ports/workflowClient.js";
import { createHarness, MINUTE, NEU, USERS, WEU, type Harness, type UserName } from "../support/harness.js";
import { openWindow } from "../support/windows.js";

/**
 * Holds one person's next action before it reaches the workflow, as a slow API instance would; or
 * defers it, as Durable Functions does in Azure: the raise is accepted at once and the workflow
 * gets the event later (`flush`).
 */
class Gate {
  private held: { oid: string; release: () => void; opened: Promise<void> } | undefined;
  private deferredFor: string | undefined;
  private readonly deferred: { readonly oid: string; readonly raise: () => Promise<void> }[] = [];

  defer(as: UserName): void {
    this.deferredFor = USERS[as].oid;
  }

  /** Delivers the deferred actions (of one person, if named). */
  async flush(as?: UserName): Promise<void> {
    const due = this.deferred.filter((held) => as === undefined || held.oid === USERS[as].oid);
    for (const held of due) {
      this.deferred.splice(this.deferred.indexOf(held), 1);
      await held.raise();
    }
  }

  hold(as: UserName): void {
    let release!: () => void;
    const opened = new Promise<void>((resolve) => (release = resolve));
    this.held = { oid: USERS[as].oid, release, opened };
  }

  release(): void {
    this.held?.release();
    this.held = undefined;
  }

  wrap = (client: WorkflowClient): WorkflowClient => ({
    startWindow: (input) => client.startWindow(input),
    status: (id) => client.status(id),
    startGroupWatch: (id, input) => client.startGroupWatch(id, input),
    sendAction: async (id: string, action: RequestAction) => {
      const held = this.held;
      if (held && held.oid === action.actor.oid) await held.opened;
      if (this.deferredFor === action.actor.oid) {
        this.deferredFor = undefined;
        this.deferred.push({ oid: action.actor.oid, raise: () => client.sendAction(id, action) });
        return;
      }
      return client.sendAction(id, action);
    },
  });
}

async function gatedHarness() {
  const gate = new Gate();
  const opens: unknown[] = [];
  const h = await createHarness({
    wrapWorkflow: gate.wrap,
    wrapActivity: (name, activity) =>
      name === "openWindowOnCluster" ? (input, context) => (opens.push(input), activity(input, context)) : activity,
  });
  return { h, gate, opens };
}

async function requestWindow(h: Harness, duration = "PT30M", cluster: string = WEU): Promise<string> {
  const created = await h.call(h.app.api.createRequest, {
    as: "alice",
    json: { cluster, justification: "Entra outage", ticket: "INC-1", duration },
  });
  expect(created.status).toBe(202);
  return (created.body as { id: string }).id;
}

/** Calls an action route; resolves once the handler has answered. */
function act(h: Harness, type: "approve" | "deny" | "close" | "extend", as: UserName, id: string, json?: unknown) {
  const route = {
    approve: h.app.api.approveRequest,
    deny: h.app.api.denyRequest,
    close: h.app.api.closeRequest,
    extend: h.app.api.extendRequest,
  }[type];
  return h.call(route, { as, params: { id }, method: "POST", ...(json === undefined ? {} : { json }) });
}

/** Lets the handler of a held action get as far as the gate (its checks done, its receipt written). */
async function untilHeld(h: Harness, id: string, count: number) {
  for (let round = 0; round < 200; round++) {
    if ((await receiptIds(h, id).catch(() => [])).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no receipt ${count} for ${id}`);
}

/** The ids of the receipts the API wrote for a request, as stored. */
async function receiptIds(h: Harness, id: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const row of h.table("Actions").listEntities({ queryOptions: { filter: `PartitionKey eq '${id}'` } }))
    ids.push(String(row.actionId));
  return ids;
}

const tagged = (entries: readonly AuditEntry[]) => entries.filter((entry) => entry.details?.actionId);

async function lastActions(h: Harness, id: string, as: UserName = "bob") {
  const reply = await h.call(h.app.api.getRequest, { as, params: { id } });
  expect(reply.status).toBe(200);
  return (reply.body as { actions: { actor: { upn: string }; type: string; result: string; code?: string }[] }).actions;
}

function sweep(h: Harness) {
  const context = new InvocationContext({ functionName: "watchdog", invocationId: "sweep" });
  return h.app.delivery.sweep(h.app.workflow(context), (line) => h.logs.push(line));
}

async function verified(h: Harness, id: string) {
  return (await h.call(h.app.api.verifyAudit, { as: "bob", query: { requestId: id } })).body;
}

describe("racing decisions", () => {
  it("an approval that arrives after another approver denied is recorded as not counted, and answered 409", async () => {
    const { h, gate } = await gatedHarness();
    const id = await requestWindow(h);
    gate.hold("carol");
    const carol = act(h, "approve", "carol", id);
    await untilHeld(h, id, 1);
    expect((await act(h, "deny", "bob", id, { reason: "use the runbook" })).status).toBe(202);
    gate.release();
    const answer = await carol;
    expect(answer).toMatchObject({ status: 409, body: { error: { code: "ALREADY_DENIED" } } });
    expect((answer.body as { error: { message: string } }).error.message).toMatch(
      /arrived after the request was denied/,
    );
    expect(await h.localAccounts()).toBe("disabled");

    const entries = tagged(await h.audit(id));
    expect(entries.map((entry) => [entry.type, entry.actor?.upn, entry.code ?? null])).toEqual([
      ["denied", USERS.bob.upn, "DENIED"],
      ["event-ignored", USERS.carol.upn, "ALREADY_DENIED"],
    ]);
    const actions = await lastActions(h, id);
    expect(actions).toHaveLength(2);
    expect(actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: expect.objectContaining({ upn: USERS.bob.upn }),
          type: "deny",
          result: "counted",
        }),
        expect.objectContaining({
          actor: expect.objectContaining({ upn: USERS.carol.upn }),
          type: "approve",
          result: "ignored",
          code: "ALREADY_DENIED",
          message: expect.stringMatching(/^this approval arrived after the request was denied \(denied by Bob/),
        }),
      ]),
    );
    // The late entry extends the trail the workflow closed; the trail still verifies.
    expect(await verified(h, id)).toMatchObject({ ok: true, entries: (await h.audit(id)).length });
    // Found once: the sweep that comes later finds nothing left to do.
    expect(await sweep(h)).toEqual({ settled: 0, recordedLate: 0, outstanding: 0 });
  });

  it("a late action never seals over a trail the app did not write: it goes to the security stream", async () => {
    const { h, gate } = await gatedHarness();
    const id = await requestWindow(h);
    gate.hold("carol");
    const carol = act(h, "approve", "carol", id);
    await untilHeld(h, id, 1);
    expect((await act(h, "deny", "bob", id)).status).toBe(202);
    // Someone with the storage key edits who denied it.
    const audit = h.table("Audit");
    const denied = (await h.audit(id)).find((entry) => entry.type === "denied")!;
    await audit.updateEntity({ partitionKey: id, rowKey: denied.key, actorUpn: "mallory@contoso.dev" }, "Merge");
    const before = (await h.audit(id)).length;
    gate.release();
    expect(await carol).toMatchObject({ status: 409, body: { error: { code: "ALREADY_DENIED" } } });
    expect((await h.audit(id)).length).toBe(before);
    expect(await verified(h, id)).toMatchObject({ ok: false });
    const security = await h.app.audit.readStream("security-2026-11-28");
    expect(security.filter((entry) => entry.details?.actionId)).toEqual([
      expect.objectContaining({
        type: "event-ignored",
        code: "ALREADY_DENIED",
        actor: expect.objectContaining({ upn: USERS.carol.upn }),
      }),
    ]);
  });

  it("the sweep goes on past receipts that stay pending, a batch at a time", async () => {
    const { h, gate } = await gatedHarness();
    const open = await openWindow(h, "alice", "PT30M");
    gate.defer("alice"); // an extension whose event the running workflow will not see for a while
    expect((await act(h, "extend", "alice", open, { duration: "PT10M" })).status).toBe(202);
    h.clock.advance(1_000);
    const denied = await requestWindow(h, "PT30M", NEU);
    gate.defer("carol"); // an approval that reaches a workflow that has ended
    expect((await act(h, "approve", "carol", denied)).status).toBe(202);
    expect((await act(h, "deny", "bob", denied)).status).toBe(202);
    await gate.flush("carol");
    const ledger = new TableActionLedger({
      connectionString: inject("azuriteConnectionString"),
      tablePrefix: h.tablePrefix,
    });
    const delivery = new ActionDelivery(
      { ...h.app, actions: ledger, now: () => h.clock.date(), randomBytes: (size) => new Uint8Array(size) },
      1,
    );
    const context = new InvocationContext({ functionName: "watchdog", invocationId: "sweep" });
    const round = () => delivery.sweep(h.app.workflow(context), (line) => h.logs.push(line));
    expect(await round()).toMatchObject({ settled: 0, outstanding: 1 }); // the open window's extension
    expect(await round()).toMatchObject({ settled: 1, recordedLate: 1 }); // the late approval, behind it
    expect((await lastActions(h, denied)).find((last) => last.type === "approve")).toMatchObject({
      result: "ignored",
      code: "ALREADY_DENIED",
    });
  });

  it("an extension sent with a close: the close wins, and the sweep records the extension as not counted", async () => {
    const { h, gate } = await gatedHarness();
    const id = await openWindow(h, "alice", "PT30M");
    gate.defer("alice");
    const extended = await act(h, "extend", "alice", id, { duration: "PT15M" });
    // Handed to a running workflow that has yet to take it: pending, and no deadline promised.
    expect(extended).toMatchObject({ status: 202, body: { accepted: "extend", action: { result: "pending" } } });
    expect(extended.body).not.toHaveProperty("closesAt");
    expect((await act(h, "close", "bob", id)).status).toBe(202);
    await gate.flush(); // reaches a workflow that has ended: Durable drops it
    await h.engine.advanceBy(5 * MINUTE);
    expect((await h.app.requests.get(id))!.status).toBe("closed");
    expect((await lastActions(h, id)).find((last) => last.type === "extend")).toMatchObject({ result: "pending" });

    expect(await sweep(h)).toMatchObject({ recordedLate: 1, outstanding: 0 });
    expect((await lastActions(h, id)).find((last) => last.type === "extend")).toMatchObject({
      result: "ignored",
      code: "ALREADY_CLOSED",
    });
    const late = tagged(await h.audit(id)).filter((entry) => entry.type === "event-ignored");
    expect(late.map((entry) => [entry.actor?.upn, entry.details?.action])).toEqual([[USERS.alice.upn, "extend"]]);
    expect(await verified(h, id)).toMatchObject({ ok: true });
  });

  it("an action handed over is never answered with an error to retry, even when its status cannot be read", async () => {
    let statusDown = false;
    const h = await createHarness({
      wrapWorkflow: (client) => ({
        startWindow: (input) => client.startWindow(input),
        startGroupWatch: (instanceId, input) => client.startGroupWatch(instanceId, input),
        sendAction: (requestId, action) => client.sendAction(requestId, action),
        status: (requestId) =>
          statusDown ? Promise.reject(new Error("task hub unavailable")) : client.status(requestId),
      }),
    });
    const id = await requestWindow(h);
    statusDown = true;
    expect(await act(h, "approve", "bob", id)).toMatchObject({ status: 202, body: { action: { result: "pending" } } });
    statusDown = false;
    expect(await sweep(h)).toMatchObject({ settled: 1, outstanding: 0 });
    expect(await lastActions(h, id)).toEqual([expect.objectContaining({ type: "approve", result: "counted" })]);
  });

  it("a withdraw the workflow receives before the last approval: local accounts are never enabled", async () => {
    const { h, gate, opens } = await gatedHarness();
    const id = await requestWindow(h);
    gate.hold("bob");
    const approval = act(h, "approve", "bob", id);
    await untilHeld(h, id, 1);
    expect((await act(h, "close", "alice", id)).status).toBe(202);
    gate.release();
    expect(await approval).toMatchObject({ status: 409, body: { error: { code: "ALREADY_CLOSED" } } });
    expect(opens).toEqual([]);
    expect(await h.auditTypes(id)).not.toContain("enabling");
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("a withdraw received after the last approval closes the window it opened", async () => {
    const { h, opens } = await gatedHarness();
    const id = await requestWindow(h);
    expect((await act(h, "approve", "bob", id)).status).toBe(202);
    expect(opens).toHaveLength(1);
    expect((await act(h, "close", "alice", id)).status).toBe(202);
    await h.engine.advanceBy(5 * MINUTE);
    expect((await h.app.requests.get(id))!.status).toBe("closed");
    expect(await h.localAccounts()).toBe("disabled");
  });

  type Sent = [Parameters<typeof act>[1], UserName, unknown?];
  const racing: readonly { name: string; first: Sent; second: Sent; open?: boolean }[] = [
    { name: "deny, then approve", first: ["deny", "bob"], second: ["approve", "carol"] },
    { name: "approve, then deny", first: ["approve", "bob"], second: ["deny", "carol"] },
    { name: "approve twice by two approvers", first: ["approve", "bob"], second: ["approve", "carol"] },
    { name: "withdraw, then deny", first: ["close", "alice"], second: ["deny", "bob"] },
    {
      name: "close, then extend",
      first: ["close", "bob"],
      second: ["extend", "alice", { duration: "PT10M" }],
      open: true,
    },
    {
      name: "extend, then close",
      first: ["extend", "alice", { duration: "PT10M" }],
      second: ["close", "carol"],
      open: true,
    },
    { name: "close twice", first: ["close", "alice"], second: ["close", "bob"], open: true },
  ];

  it.each(racing)("$name, the second sent before the first took effect: one entry per action", async (race) => {
    const { h, gate } = await gatedHarness();
    const id = race.open ? await openWindow(h, "alice", "PT30M") : await requestWindow(h);
    const before = race.open ? 1 : 0;
    const [secondType, secondAs, secondBody] = race.second;
    gate.hold(secondAs);
    const second = act(h, secondType, secondAs, id, secondBody);
    await untilHeld(h, id, before + 1);
    const [firstType, firstAs, firstBody] = race.first;
    const first = await act(h, firstType, firstAs, id, firstBody);
    gate.release();
    const answers = [first, await second];
    for (const answer of answers) expect([202, 409]).toContain(answer.status);
    await h.engine.advanceBy(40 * MINUTE);
    await sweep(h);

    const ids = await receiptIds(h, id);
    expect(ids).toHaveLength(before + 2);
    const entries = tagged(await h.audit(id));
    for (const actionId of ids) expect(entries.filter((entry) => entry.details?.actionId === actionId)).toHaveLength(1);
    for (const last of await lastActions(h, id)) expect(last.result).not.toBe("pending");
    expect(await verified(h, id)).toMatchObject({ ok: true });
  });
});
