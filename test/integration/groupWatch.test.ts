// Group watch in simulation: the simulated directory answers delta queries and keeps an audit log
// of who changed a group, like Entra; the state, audit and outbox live in Azurite.
import { describe, expect, it } from "vitest";
import { SIMULATION_GROUPS } from "../../src/app/simulationDefaults.js";
import { composeTableStorage } from "../../src/app/composition.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import { createGraphNotificationHandler, REFUSAL_AUDIT_INTERVAL_MS } from "../../src/http/graphNotifications.js";
import { createGroupWatch, type GroupWatchDependencies } from "../../src/groupWatch/run.js";
import { DELIVERY_CLAIM_MS, NO_GROUP_WATCH_STATE, type GroupWatchState } from "../../src/groupWatch/state.js";
import { TableDocuments } from "../../src/adapters/azure/tableDocuments.js";
import { TransientError } from "../../src/ports/errors.js";
import { createHarness, engineer, MINUTE, USERS, WEU, type Harness } from "../support/harness.js";

const EMERGENCY = SIMULATION_GROUPS.emergency.id;
const APPROVERS = SIMULATION_GROUPS.approvers.id;
const CLIENT_STATE = "a-client-state-of-sufficient-length";

/** The Teams posts of group watch (each alert also goes by email): one per alert. */
async function alerts(h: Harness) {
  return (await h.world.outbox.list()).filter(
    (message) => message.channel === "teams" && message.kind.startsWith("group-"),
  );
}

async function groupAudit(h: Harness): Promise<readonly AuditEntry[]> {
  return h.app.audit.readStream(`groups-${h.clock.date().toISOString().slice(0, 10)}`);
}

async function afterBaseline(env: Record<string, string> = {}) {
  const h = await createHarness({ env });
  await h.app.groupWatch.run();
  return { h, seen: (await alerts(h)).length, audited: (await groupAudit(h)).length };
}

/** A group watch on the harness's storage with some dependencies replaced (to make them fail). */
function watchWith(h: Harness, replace: Partial<GroupWatchDependencies>) {
  return createGroupWatch({
    emergencyGroupId: EMERGENCY,
    approverGroupId: APPROVERS,
    maxMembers: 3,
    alertEmails: ["secops@contoso.dev"],
    directory: h.world.directory,
    changes: h.world.directory,
    directoryAudit: h.world.directory,
    store: new TableDocuments<GroupWatchState>(composeTableStorage(h.config, h.tablePrefix), {
      table: "GroupWatch",
      row: "state",
      empty: NO_GROUP_WATCH_STATE,
    }),
    audit: h.app.audit,
    notifier: h.world.outbox,
    now: () => h.clock.date(),
    randomBytes: (size) => crypto.getRandomValues(new Uint8Array(size)),
    log: () => undefined,
    ...replace,
  });
}

describe("group watch: membership changes", () => {
  it("the first run records a baseline: audited, one informational alert per group with its members", async () => {
    const h = await createHarness();
    const report = await h.app.groupWatch.run();
    expect(report.groups).toEqual([
      { group: EMERGENCY, added: 0, removed: 0 },
      { group: APPROVERS, added: 0, removed: 0 },
    ]);
    const baseline = await alerts(h);
    expect(baseline.map((message) => [message.kind, message.severity])).toEqual([
      ["group-baseline", "info"],
      ["group-baseline", "info"],
    ]);
    expect(baseline[0]!.text).toContain("aks-emergency-admins (the emergency group)");
    expect(baseline[0]!.text).toMatch(/Alice Admin \(alice@contoso\.dev\); Carol Both \(carol@contoso\.dev\)/);
    const audit = await groupAudit(h);
    expect(audit.map((entry) => entry.type)).toEqual(["group-baseline", "group-baseline", "group-watch-run"]);
    expect(audit[0]!.details).toMatchObject({
      groupId: EMERGENCY,
      role: "emergency",
      members: "alice@contoso.dev,carol@contoso.dev",
    });
  });

  it("an addition: one critical alert naming who, the group and who did it; one audit entry; nothing twice", async () => {
    const { h, seen, audited } = await afterBaseline({ BREAKGLASS_ALERT_EMAILS: "secops@contoso.dev" });
    h.clock.advance(5 * MINUTE);
    const added = await h.call(h.app.dev!.devAddMember, {
      as: "carol",
      params: { group: "aks-emergency-admins" },
      json: { user: "mallory@contoso.dev" },
    });
    expect(added.status).toBe(200);
    h.clock.advance(MINUTE);
    expect((await h.app.groupWatch.run()).groups[0]).toEqual({ group: EMERGENCY, added: 1, removed: 0 });

    const fresh = (await alerts(h)).slice(seen);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatchObject({
      kind: "group-member-added",
      severity: "critical",
      subject: "[break-glass] Mallory Outsider (mallory@contoso.dev) joined aks-emergency-admins (the emergency group)",
    });
    expect(fresh[0]!.text).toContain(
      "Added by Carol Both (carol@contoso.dev) at 10:05 UTC (1 minute ago), according to the Entra audit log.",
    );
    expect(fresh[0]!.text).toContain("detected at 10:06 UTC (now)");
    const email = (await h.world.outbox.list()).find(
      (message) => message.channel === "email" && message.kind === "group-member-added",
    )!;
    expect(email.recipients).toEqual(["secops@contoso.dev", "bob@contoso.dev", "carol@contoso.dev"]); // BREAKGLASS_ALERT_EMAILS, then the approvers
    const entries = (await groupAudit(h)).slice(audited).filter((entry) => entry.type !== "group-watch-run");
    expect(entries).toEqual([
      expect.objectContaining({
        type: "group-member-added",
        actor: { oid: USERS.carol.oid, upn: "carol@contoso.dev" },
        details: expect.objectContaining({
          groupId: EMERGENCY,
          memberId: USERS.mallory.oid,
          member: "mallory@contoso.dev",
          attribution: "found",
          changedBy: "carol@contoso.dev",
        }),
      }),
    ]);

    await h.app.groupWatch.run(); // the same state again: nothing new
    expect((await alerts(h)).slice(seen)).toHaveLength(1);
    expect((await groupAudit(h)).filter((entry) => entry.type === "group-member-added")).toHaveLength(1);
  });

  it("a removal, and several changes in one run, each alerted once", async () => {
    const { h, seen } = await afterBaseline();
    await h.world.directory.removeMember(EMERGENCY, USERS.alice.oid, undefined, h.clock.date());
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid, undefined, h.clock.date());
    await h.world.directory.addMember(EMERGENCY, USERS.bob.oid, undefined, h.clock.date());
    await h.world.directory.removeMember(APPROVERS, USERS.carol.oid, undefined, h.clock.date());
    const report = await h.app.groupWatch.run();
    expect(report.groups).toEqual([
      { group: EMERGENCY, added: 2, removed: 1 },
      { group: APPROVERS, added: 0, removed: 1 },
    ]);
    const fresh = (await alerts(h)).slice(seen).filter((message) => message.kind.startsWith("group-member"));
    expect(fresh.map((message) => message.subject).sort()).toEqual([
      "[break-glass] Alice Admin (alice@contoso.dev) left aks-emergency-admins (the emergency group)",
      "[break-glass] Bob Approver (bob@contoso.dev) joined aks-emergency-admins (the emergency group)",
      "[break-glass] Carol Both (carol@contoso.dev) left aks-breakglass-approvers (the approver group)",
      "[break-glass] Mallory Outsider (mallory@contoso.dev) joined aks-emergency-admins (the emergency group)",
    ]);
    expect(fresh.find((message) => message.kind === "group-member-removed")!.severity).toBe("warning");
    expect(fresh.every((message) => message.text.includes("by the application the simulation's dev API"))).toBe(true);
  });

  it("an add and a remove of the same person between two runs is no change", async () => {
    const { h, seen } = await afterBaseline();
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid);
    await h.world.directory.removeMember(EMERGENCY, USERS.mallory.oid);
    await h.app.groupWatch.run();
    expect((await alerts(h)).slice(seen).filter((message) => message.kind.startsWith("group-member"))).toEqual([]);
  });

  it("a delta link the directory no longer accepts: a full resync still reports the difference, once", async () => {
    const { h, seen } = await afterBaseline();
    await h.world.directory.expireDeltaLinks();
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid, undefined, h.clock.date());
    await h.app.groupWatch.run();
    const fresh = (await alerts(h)).slice(seen);
    expect(fresh.map((message) => message.kind)).toEqual(["group-member-added"]);
    expect(fresh[0]!.text).toContain("by a full comparison (the directory refused the stored delta link)");
    expect((await groupAudit(h)).find((entry) => entry.type === "group-member-added")!.details).toMatchObject({
      resync: true,
    });
    await h.app.groupWatch.run();
    expect((await alerts(h)).slice(seen)).toHaveLength(1);
  });

  it("two runs at the same moment (timer and notification): each change is alerted and audited exactly once", async () => {
    const { h, seen } = await afterBaseline();
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid, undefined, h.clock.date());
    const other = watchWith(h, {});
    await Promise.all([h.app.groupWatch.run(), other.run({ trigger: "notification" }), h.app.groupWatch.run()]);
    expect((await alerts(h)).slice(seen).map((message) => message.kind)).toEqual(["group-member-added"]);
    expect((await groupAudit(h)).filter((entry) => entry.type === "group-member-added")).toHaveLength(1);
  });

  it("an alert that could not be delivered stays pending and is delivered once by a later run", async () => {
    const { h, seen } = await afterBaseline();
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid, undefined, h.clock.date());
    let failures = 1;
    const flaky = watchWith(h, {
      audit: {
        append: (entry) =>
          failures-- > 0
            ? Promise.reject(new TransientError("STORAGE_503", "audit table unavailable"))
            : h.app.audit.append(entry),
        readStream: (stream) => h.app.audit.readStream(stream),
        readHead: (stream) => h.app.audit.readHead(stream),
      },
    });
    expect((await flaky.run()).groups[0]).toMatchObject({ added: 1 });
    expect((await alerts(h)).slice(seen)).toEqual([]); // found, stored as pending, not yet told
    await flaky.run(); // its finder's claim has not lapsed: nobody else delivers it yet
    expect((await alerts(h)).slice(seen)).toEqual([]);
    h.clock.advance(DELIVERY_CLAIM_MS);
    await flaky.run();
    await flaky.run();
    expect((await alerts(h)).slice(seen).map((message) => message.kind)).toEqual(["group-member-added"]);
    expect((await groupAudit(h)).filter((entry) => entry.type === "group-member-added")).toHaveLength(1);
  });
});

describe("group watch: failures", () => {
  it("alerts no channel took are audited at once, stay pending, and go out once a channel works again", async () => {
    const { h, seen } = await afterBaseline();
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid, undefined, h.clock.date());
    await h.world.directory.addMember(EMERGENCY, USERS.bob.oid, undefined, h.clock.date());
    let channelsDown = true;
    const watch = watchWith(h, {
      notifier: {
        send: (message) =>
          channelsDown
            ? Promise.resolve([
                { channel: "teams", ok: false, error: "webhook 500" },
                { channel: "email", ok: false, error: "Graph 503" },
              ])
            : h.world.outbox.send(message),
      },
    });
    await watch.run();
    expect((await groupAudit(h)).filter((entry) => entry.type === "group-member-added")).toHaveLength(2); // the trail has both already
    h.clock.advance(DELIVERY_CLAIM_MS);
    await watch.run(); // still nobody to tell
    expect((await alerts(h)).slice(seen)).toEqual([]);
    channelsDown = false;
    h.clock.advance(DELIVERY_CLAIM_MS);
    await watch.run();
    await watch.run();
    const kinds = (await alerts(h)).slice(seen).map((message) => message.kind);
    expect(kinds.filter((kind) => kind === "group-member-added")).toHaveLength(2);
    expect(kinds.filter((kind) => kind === "group-too-many-members")).toHaveLength(1); // four members: more than watchWith's three
    expect((await groupAudit(h)).filter((entry) => entry.type === "group-member-added")).toHaveLength(2);
  });

  it("while a group keeps failing, an alert left undelivered is still delivered", async () => {
    const { h, seen } = await afterBaseline();
    let auditDown = true;
    const watch = watchWith(h, {
      changes: { membershipDelta: () => Promise.reject(new TransientError("GRAPH_503", "Graph is unavailable")) },
      audit: {
        append: (entry) =>
          auditDown
            ? Promise.reject(new TransientError("STORAGE_503", "audit table unavailable"))
            : h.app.audit.append(entry),
        readStream: (stream) => h.app.audit.readStream(stream),
        readHead: (stream) => h.app.audit.readHead(stream),
      },
    });
    h.clock.advance(MINUTE);
    await watch.run(); // the failure is recorded, but its alert cannot be audited yet
    expect((await alerts(h)).slice(seen)).toEqual([]);
    auditDown = false;
    h.clock.advance(DELIVERY_CLAIM_MS);
    await watch.run(); // still failing: the pending alerts go out now, once
    await watch.run();
    expect((await alerts(h)).slice(seen).map((message) => message.kind)).toEqual([
      "group-watch-failing",
      "group-watch-failing",
    ]);
  });

  it("a group too large for one table column still works (its state is split across columns)", async () => {
    const h = await createHarness({ env: { BREAKGLASS_GROUP_MAX_MEMBERS: "1000" } });
    // Long names fill the state's columns fast; without mailboxes, an alert is not mailed to 400 people.
    const engineers = await h.addEngineers(400, {
      group: "approvers",
      person: (index) => ({
        ...engineer(index),
        upn: `engineer-with-a-long-name-${index}@contoso.dev`,
        displayName: `Engineer With A Long Name ${index}`,
        mail: undefined,
      }),
    });
    await h.app.groupWatch.run(); // the baseline: 400 approvers and more, far over one 32 KiB column
    const baseline = (await alerts(h)).find(
      (message) => message.kind === "group-baseline" && message.text.includes("aks-breakglass-approvers"),
    );
    expect(baseline!.text).toContain("Members (402)");
    expect(baseline!.text).toContain("(352 not listed here; the audit entry names 250)");
    const audited = (await h.app.audit.readStream(`groups-${h.clock.date().toISOString().slice(0, 10)}`)).find(
      (entry) => entry.type === "group-baseline" && entry.details?.groupId === APPROVERS,
    );
    expect(audited!.details).toMatchObject({ count: 402 });
    expect(String(audited!.details!.members).split(",")).toHaveLength(250);
    const seen = (await alerts(h)).length;
    await h.world.directory.removeMember(APPROVERS, engineers[7]!.oid);
    expect((await h.app.groupWatch.run()).groups[1]).toEqual({ group: APPROVERS, added: 0, removed: 1 });
    expect((await alerts(h)).slice(seen).map((message) => message.kind)).toEqual(["group-member-removed"]);
  });

  it("a subscription created while the audit table is down is still remembered: the next run does not create another", async () => {
    const { h } = await afterBaseline();
    let created = 0;
    let auditDown = true;
    const watch = watchWith(h, {
      subscriptions: {
        api: {
          create: (request) => Promise.resolve({ id: `sub-${++created}`, expiresAt: request.expiresAt.toISOString() }),
          renew: () => Promise.reject(new Error("not expected")),
          reauthorize: () => Promise.reject(new Error("not expected")),
        },
        notificationUrl: "https://breakglass.contoso.dev/api/graph/notifications",
        clientState: CLIENT_STATE,
      },
      audit: {
        append: (entry) =>
          auditDown && entry.type === "graph-subscription"
            ? Promise.reject(new TransientError("STORAGE_503", "audit table unavailable"))
            : h.app.audit.append(entry),
        readStream: (stream) => h.app.audit.readStream(stream),
        readHead: (stream) => h.app.audit.readHead(stream),
      },
    });
    expect((await watch.run()).subscriptions).toEqual(["emergency:created", "approver:created"]);
    auditDown = false;
    expect((await watch.run()).subscriptions).toEqual([]);
    expect(created).toBe(2);
  });

  it("a run that keeps failing alerts once, not every five minutes, and says when it recovers", async () => {
    const { h, seen } = await afterBaseline();
    let down = true;
    const watch = watchWith(h, {
      changes: {
        membershipDelta: (groupId, link) =>
          down
            ? Promise.reject(new TransientError("GRAPH_503", "Graph is unavailable"))
            : h.world.directory.membershipDelta(groupId, link),
      },
    });
    for (let run = 0; run < 3; run++) {
      h.clock.advance(5 * MINUTE);
      expect((await watch.run()).groups[0]).toMatchObject({ error: "GRAPH_503" });
    }
    const failing = (await alerts(h)).slice(seen);
    expect(failing.map((message) => message.kind)).toEqual(["group-watch-failing", "group-watch-failing"]); // one per group
    expect(failing[0]!.text).toContain("GRAPH_503");
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid, undefined, h.clock.date());
    down = false;
    await watch.run();
    expect(
      (await alerts(h))
        .slice(seen + 2)
        .map((message) => message.kind)
        .sort(),
    ).toEqual(["group-member-added", "group-watch-recovered", "group-watch-recovered"]);
    const runs = (await groupAudit(h)).filter((entry) => entry.type === "group-watch-run");
    expect(runs.map((entry) => entry.outcome)).toEqual(["success", "failure", "failure", "failure", "success"]);
  });
});

describe("group watch: policy", () => {
  it("more members than BREAKGLASS_GROUP_MAX_MEMBERS: alerted once while it lasts", async () => {
    const { h, seen } = await afterBaseline({ BREAKGLASS_GROUP_MAX_MEMBERS: "2" });
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid);
    await h.app.groupWatch.run();
    await h.app.groupWatch.run();
    const policy = (await alerts(h)).slice(seen).filter((message) => message.kind === "group-too-many-members");
    expect(policy).toHaveLength(1);
    expect(policy[0]!.text).toContain(
      "has 3 members (BREAKGLASS_GROUP_MAX_MEMBERS=2): alice@contoso.dev, carol@contoso.dev, mallory@contoso.dev",
    );
    expect((await groupAudit(h)).filter((entry) => entry.type === "group-policy").map((entry) => entry.code)).toEqual([
      "TOO_MANY_MEMBERS",
    ]);
  });

  it("a disabled account still in a group", async () => {
    const { h, seen } = await afterBaseline();
    await h.world.directory.addUser({
      oid: USERS.alice.oid,
      upn: USERS.alice.upn,
      displayName: USERS.alice.displayName,
      mail: USERS.alice.mail,
      accountEnabled: false,
    });
    await h.app.groupWatch.run();
    const fresh = (await alerts(h)).slice(seen);
    expect(fresh.map((message) => message.subject)).toEqual([
      "[break-glass] Disabled account Alice Admin (alice@contoso.dev) is still in aks-emergency-admins (the emergency group)",
    ]);
  });

  it("a member who is also the only approver (no second person possible), then no approver at all", async () => {
    const { h, seen } = await afterBaseline();
    await h.world.directory.removeMember(APPROVERS, USERS.bob.oid);
    await h.app.groupWatch.run();
    const sole = (await alerts(h)).slice(seen).filter((message) => message.kind === "group-sole-approver");
    expect(sole).toHaveLength(1);
    expect(sole[0]).toMatchObject({
      severity: "critical",
      text: expect.stringContaining(
        "Carol Both (carol@contoso.dev) is the only enabled approver and is also in the emergency group",
      ),
    });
    await h.world.directory.removeMember(APPROVERS, USERS.carol.oid);
    await h.app.groupWatch.run();
    expect((await alerts(h)).slice(seen).filter((message) => message.kind === "group-no-approver")).toHaveLength(1);
  });
});

describe("Graph change notifications", () => {
  const post = (h: Harness, body: unknown, query: Record<string, string> = {}) =>
    h.call(h.app.graphNotifications, { method: "POST", query, ...(body === undefined ? {} : { json: body }) });
  const notification = (clientState: string | null, extra: Record<string, unknown> = {}) => ({
    value: [
      {
        subscriptionId: "sub-1",
        clientState,
        changeType: "updated",
        resource: `groups/${EMERGENCY}`,
        tenantId: "t",
        ...extra,
      },
    ],
  });

  it("the validation handshake: the token echoed as text/plain", async () => {
    const h = await createHarness();
    const reply = await post(h, undefined, {
      validationToken: "Validation: Testing client application reachability for subscription Request-Id: 1",
    });
    expect(reply).toMatchObject({
      status: 200,
      body: "Validation: Testing client application reachability for subscription Request-Id: 1",
    });
    expect(reply.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(reply.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("a wrong or missing clientState is ignored and audited, at most once a minute with a count; nothing runs", async () => {
    const h = await createHarness({ env: { BREAKGLASS_GRAPH_CLIENT_STATE: CLIENT_STATE } });
    const refusals = async () =>
      (await h.app.audit.readStream(`security-${h.clock.date().toISOString().slice(0, 10)}`)).map((entry) => [
        entry.type,
        entry.code,
        entry.details?.count,
      ]);
    for (const clientState of ["not-the-client-state", null, "another-guess"])
      expect((await post(h, notification(clientState))).status).toBe(202);
    await h.runDeferred();
    expect(await refusals()).toEqual([["graph-notification-rejected", "CLIENT_STATE_MISMATCH", 1]]);
    h.clock.advance(REFUSAL_AUDIT_INTERVAL_MS);
    await h.runDeferred(); // the tail of the burst, a minute later, though nothing else arrived
    expect(await refusals()).toEqual([
      ["graph-notification-rejected", "CLIENT_STATE_MISMATCH", 1],
      ["graph-notification-rejected", "CLIENT_STATE_MISMATCH", 2],
    ]);
    h.clock.advance(REFUSAL_AUDIT_INTERVAL_MS);
    expect((await post(h, notification("and-another"))).status).toBe(202); // a minute after the last summary: at once
    expect((await refusals()).at(-1)).toEqual(["graph-notification-rejected", "CLIENT_STATE_MISMATCH", 1]);
    expect(h.engine.instanceIds()).toEqual([]);
    const security = await h.app.audit.readStream(`security-${h.clock.date().toISOString().slice(0, 10)}`);
    expect(JSON.stringify(security)).not.toContain(CLIENT_STATE);
  });

  it("a timer summary while a post's summary is still being written counts each refusal once", async () => {
    const h = await createHarness();
    const counts: number[] = [];
    const gate: { release?: () => void } = {};
    const writing = () => gate.release !== undefined;
    const finishWriting = () => gate.release?.();
    const deferred: (() => Promise<void>)[] = [];
    const handler = createGraphNotificationHandler({
      clientState: CLIENT_STATE,
      audit: {
        append: async (entry) => {
          if (!gate.release) await new Promise<void>((resolve) => (gate.release = resolve));
          counts.push(Number(entry.details?.count));
          return { kind: "appended" };
        },
        readStream: () => Promise.resolve([]),
        readHead: () => Promise.resolve(undefined),
      },
      workflow: () => {
        throw new Error("nothing genuine is posted here");
      },
      now: () => h.clock.date(),
      randomBytes: (size) => crypto.getRandomValues(new Uint8Array(size)),
      later: (run) => void deferred.push(run),
    });
    const refuse = (clientState: string) => h.call(handler, { method: "POST", json: notification(clientState) });
    gate.release = () => undefined;
    await refuse("one"); // summarised at once
    await refuse("two"); // left to the timer
    h.clock.advance(REFUSAL_AUDIT_INTERVAL_MS);
    delete gate.release; // the next write hangs until released
    const three = refuse("three"); // a minute on: summarised at once, "two" with it
    while (!writing()) await new Promise((resolve) => setImmediate(resolve)); // it is writing
    await deferred.shift()!(); // the timer fires while that summary is being written
    finishWriting();
    expect((await three).status).toBe(202);
    expect(counts).toEqual([1, 2]);
  });

  it("without BREAKGLASS_GRAPH_CLIENT_STATE every notification is refused", async () => {
    const h = await createHarness();
    expect((await post(h, notification(CLIENT_STATE))).status).toBe(202);
    expect(h.engine.instanceIds()).toEqual([]);
  });

  it("a valid notification starts a group-watch run that finds the change", async () => {
    const { h, seen } = await afterBaseline({ BREAKGLASS_GRAPH_CLIENT_STATE: CLIENT_STATE });
    await h.world.directory.addMember(EMERGENCY, USERS.mallory.oid, undefined, h.clock.date());
    expect((await post(h, notification(CLIENT_STATE))).status).toBe(202);
    const [instance] = h.engine.instanceIds();
    expect(instance).toMatch(/^group-sync-/);
    expect(h.engine.getStatus(instance!)?.runtimeStatus).toBe("Completed");
    expect((await alerts(h)).slice(seen).map((message) => message.kind)).toEqual(["group-member-added"]);
  });

  it("refuses malformed and oversized notifications with a clear error", async () => {
    const h = await createHarness({ env: { BREAKGLASS_GRAPH_CLIENT_STATE: CLIENT_STATE } });
    expect(
      await h.call(h.app.graphNotifications, {
        method: "POST",
        body: "{not json",
        headers: { "content-type": "application/json" },
      }),
    ).toMatchObject({ status: 400, body: { error: { code: "MALFORMED_JSON" } } });
    expect(await post(h, { value: [] })).toMatchObject({ status: 400, body: { error: { code: "INVALID_REQUEST" } } });
    expect(await post(h, { value: [{ subscriptionId: "x".repeat(300000) }] })).toMatchObject({ status: 413 });
    expect(await post(h, undefined, { validationToken: "x".repeat(5000) })).toMatchObject({ status: 400 });
    expect(h.engine.instanceIds()).toEqual([]);
  });
});

describe("group watch over the dev routes", () => {
  it("mallory joins through POST /api/dev/directory/...: the humans are told, and only then is her request accepted", async () => {
    const { h, seen } = await afterBaseline();
    const ask = () =>
      h.call(h.app.api.createRequest, {
        as: "mallory",
        json: { cluster: WEU, justification: "Entra outage", ticket: "INC-9" },
      });
    expect((await ask()).status).toBe(403);
    await h.call(h.app.dev!.devAddMember, {
      params: { group: "aks-emergency-admins" },
      json: { user: "mallory@contoso.dev" },
    });
    await h.app.groupWatch.run();
    const told = (await alerts(h)).slice(seen);
    expect(told.map((message) => message.kind)).toEqual(["group-member-added"]);
    expect(told[0]!.text).toContain("mallory@contoso.dev");
    expect((await ask()).status).toBe(202);
  });
});
