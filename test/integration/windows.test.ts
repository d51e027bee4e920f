// The promise the product exists for (docs/design.md §1): local accounts are enabled only while a window
// is open, overlapping windows never revoke each other, the lockdown never gives up, and admin
// kubeconfigs are dealt with. The watchdog's part is in watchdog.test.ts.
import { describe, expect, it } from "vitest";
import { REQUEST_ACTION_EVENT } from "../../src/workflow/contracts.js";
import { ESCALATE_AFTER } from "../../src/workflow/window/lockdown.js";
import { createHarness, MINUTE, NEU, T0, USERS, WEU, type Harness, type UserName } from "../support/harness.js";
import { openWindow, outboxKinds, requestStatus } from "../support/windows.js";

const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();

describe("overlapping windows", () => {
  it("alice's window ends first: local accounts stay enabled for carol's; carol's ends: disabled", async () => {
    const h = await createHarness();
    const alice = await openWindow(h, "alice", "PT15M");
    h.clock.advance(5 * MINUTE);
    const carol = await openWindow(h, "carol", "PT30M");
    expect((await h.app.registry.read(h.cluster())).windows.map((window) => window.requestId)).toEqual([alice, carol]);

    await h.engine.advanceBy(10 * MINUTE + 1); // alice's deadline
    expect(await requestStatus(h, alice)).toBe("closed");
    expect(await h.localAccounts()).toBe("enabled");
    expect((await h.app.requests.get(alice))!.outcome?.code).toBe("WINDOW_ENDED");
    expect((await h.audit(alice)).find((entry) => entry.type === "locked")).toMatchObject({
      details: { change: "kept-open", otherWindows: 1 },
    });
    const aliceClosed = (await h.world.outbox.list(alice)).find(
      (message) => message.kind === "closed" && message.channel === "email",
    );
    expect(aliceClosed!.text).toContain("Local accounts stay enabled for 1 other open window(s)");
    const clusters = (await h.call(h.app.api.listClusters, { as: "carol" })).body as {
      openWindows: { requestId: string }[];
    }[];
    expect(clusters[0]!.openWindows.map((window) => window.requestId)).toEqual([carol]);

    await h.engine.advanceBy(20 * MINUTE);
    expect(await requestStatus(h, carol)).toBe("closed");
    expect(await h.localAccounts()).toBe("disabled");
    expect(await h.world.clusterControl.localAccountWrites(h.cluster())).toBe(2);
  });

  it("ten concurrent windows on one cluster: exactly one enable and one disable reach the cluster", async () => {
    const h = await createHarness();
    const team = await h.addEngineers(10);
    const tokenOf = async (member: (typeof team)[number]) =>
      `Bearer ${(await h.world.tokens.issue(member, h.clock.date())).access_token}`;
    const ids = await Promise.all(
      team.map(async (member) => {
        const created = await h.call(h.app.api.createRequest, {
          headers: { authorization: await tokenOf(member) },
          json: { cluster: WEU, justification: "Entra outage", ticket: "INC-10", duration: "PT15M" },
        });
        return (created.body as { id: string }).id;
      }),
    );
    await Promise.all(ids.map((id) => h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })));
    await h.engine.advanceBy(2 * MINUTE); // those that found the cluster busy try again
    expect(await Promise.all(ids.map((id) => requestStatus(h, id)))).toEqual(ids.map(() => "open"));
    expect(await h.localAccounts()).toBe("enabled");

    await Promise.all(
      team.map(async (member, index) =>
        h.call(h.app.api.closeRequest, {
          headers: { authorization: await tokenOf(member) },
          params: { id: ids[index]! },
          method: "POST",
        }),
      ),
    );
    await h.engine.advanceBy(2 * MINUTE);
    expect(await Promise.all(ids.map((id) => requestStatus(h, id)))).toEqual(ids.map(() => "closed"));
    expect(await h.localAccounts()).toBe("disabled");
    expect(await h.world.clusterControl.localAccountWrites(h.cluster())).toBe(2);
    expect((await h.app.registry.read(h.cluster())).windows).toEqual([]);
  });

  it("windows on different clusters are independent", async () => {
    const h = await createHarness();
    const weu = await openWindow(h, "alice", "PT15M", WEU);
    await openWindow(h, "carol", "PT30M", NEU);
    await h.engine.advanceBy(15 * MINUTE);
    expect(await requestStatus(h, weu)).toBe("closed");
    expect(await h.localAccounts(WEU)).toBe("disabled");
    expect(await h.localAccounts(NEU)).toBe("enabled");
  });
});

describe("extend and close", () => {
  async function extend(h: Harness, id: string, duration: string, as: UserName = "alice") {
    return h.call(h.app.api.extendRequest, { as, params: { id }, json: { duration } });
  }

  it("an approved extension the registry will not take: the window keeps its deadline and still closes", async () => {
    const h = await createHarness({
      wrapActivity: (name, activity) =>
        name === "extendWindowOnCluster" ? () => Promise.reject(new Error("registry unavailable")) : activity,
    });
    const id = await openWindow(h, "alice", "PT1H");
    expect((await extend(h, id, "PT30M")).status).toBe(202);
    expect((await h.call(h.app.api.approveRequest, { as: "carol", params: { id }, method: "POST" })).status).toBe(202);
    await h.engine.advanceBy(2 * MINUTE); // the activity's retries give up
    expect(await h.app.requests.get(id)).toMatchObject({
      status: "open",
      window: { closesAt: at(60 * MINUTE) },
      extension: { status: "failed" },
    });
    const failed = (await h.audit(id)).find((entry) => entry.type === "extension-failed");
    expect(failed).toMatchObject({ outcome: "failure", code: "EXTENSION_FAILED" });
    expect(failed?.message).toContain("registry unavailable");
    expect(await outboxKinds(h, id)).toContain("extension-failed");
    await h.engine.advanceBy(60 * MINUTE);
    expect(await h.app.requests.get(id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("extends within the maximum once a second person approves, counted from when the window opened", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT1H");
    h.clock.advance(30 * MINUTE);
    const asked = await extend(h, id, "PT2H");
    // The answer promises no deadline: it is known only once the extension is approved.
    expect(asked).toMatchObject({ status: 202, body: { accepted: "extend", duration: "PT2H" } });
    expect(asked.body).not.toHaveProperty("closesAt");
    expect((await h.app.requests.get(id))!.extension).toMatchObject({
      duration: "PT2H",
      status: "pending",
      closesAt: at(180 * MINUTE),
      approvalDeadline: at(60 * MINUTE),
    });
    expect(await outboxKinds(h, id)).toContain("extension-requested");
    const review = (await h.world.outbox.list(id)).find(
      (message) => message.kind === "extension-requested" && message.channel === "email",
    )!;
    expect(review.links[0]!.label).toBe("Review and decide");

    expect((await h.call(h.app.api.approveRequest, { as: "alice", params: { id }, method: "POST" })).status).toBe(403); // not her own
    expect((await h.call(h.app.api.approveRequest, { as: "carol", params: { id }, method: "POST" })).status).toBe(202);
    expect(await h.app.requests.get(id)).toMatchObject({
      status: "open",
      window: { closesAt: at(180 * MINUTE) },
      extension: { status: "approved" },
    });
    expect((await h.app.registry.read(h.cluster())).windows).toEqual([{ requestId: id, closesAt: at(180 * MINUTE) }]);
    await h.engine.advanceBy(60 * MINUTE); // past the original deadline
    expect(await h.localAccounts()).toBe("enabled");
    await h.engine.advanceBy(90 * MINUTE);
    expect(await requestStatus(h, id)).toBe("closed");
    expect(await h.localAccounts()).toBe("disabled");
    expect(await h.auditTypes(id)).toEqual(
      expect.arrayContaining(["extension-requested", "approval-recorded", "extended"]),
    );
  });

  it("never extends past the policy maximum from when the window opened", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT1H");
    const beyond = await extend(h, id, "PT3H1M");
    expect(beyond).toMatchObject({
      status: 400,
      body: {
        error: { code: "INVALID_DURATION", message: expect.stringContaining("can be extended by PT3H at most") },
      },
    });
    expect((await extend(h, id, "PT3H")).status).toBe(202); // exactly to the maximum
    // And the workflow itself refuses an extension that would go beyond, should one reach it.
    const alice = { oid: USERS.alice.oid, upn: USERS.alice.upn, displayName: USERS.alice.displayName };
    await h.engine.raiseEvent(id, REQUEST_ACTION_EVENT, {
      type: "extend",
      actor: alice,
      at: h.clock.date().toISOString(),
      duration: "PT10H",
    });
    expect((await h.audit(id)).at(-1)).toMatchObject({ type: "event-ignored", code: "EXTENSION_PENDING" });
  });

  it("refuses extensions from anyone but the requester, of windows that are not open, and a second one while one is pending", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT1H");
    expect((await extend(h, id, "PT30M", "bob")).status).toBe(403);
    expect((await extend(h, id, "PT30M", "mallory")).status).toBe(404);
    expect((await extend(h, id, "PT30M")).status).toBe(202);
    expect((await extend(h, id, "PT30M")).body).toMatchObject({ error: { code: "EXTENSION_PENDING" } });
    const pending = await h.call(h.app.api.createRequest, {
      as: "carol",
      json: { cluster: WEU, justification: "x", ticket: "y" },
    });
    expect((await extend(h, (pending.body as { id: string }).id, "PT30M", "carol")).body).toMatchObject({
      error: { code: "NOT_OPEN" },
    });
  });

  it("an extension denied, or not decided in time, leaves the deadline where it was", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT1H");
    await extend(h, id, "PT30M");
    await h.call(h.app.api.denyRequest, {
      as: "bob",
      params: { id },
      method: "POST",
      json: { reason: "fix it in the hour" },
    });
    expect(await h.app.requests.get(id)).toMatchObject({
      window: { closesAt: at(60 * MINUTE) },
      extension: { status: "denied" },
    });
    expect(await outboxKinds(h, id)).toContain("extension-denied");
    await extend(h, id, "PT30M");
    await h.engine.advanceBy(31 * MINUTE); // the approval timeout (PT30M) passes
    expect((await h.app.requests.get(id))!.extension?.status).toBe("expired");
    await h.engine.advanceBy(29 * MINUTE);
    expect(await requestStatus(h, id)).toBe("closed");
  });

  it("an approver decides an extension from the review page", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT1H");
    await extend(h, id, "PT30M");
    const mail = (await h.world.outbox.list(id)).find(
      (message) => message.kind === "extension-requested" && message.channel === "email",
    )!;
    const token = new URL(mail.links[0]!.url).searchParams.get("token")!;
    const page = await h.call(h.app.review.reviewRequest, {
      params: { id },
      query: { token },
      headers: { cookie: `breakglass_session=${await h.token("carol")}` },
    });
    expect(String(page.body)).toContain("Extension requested");
    const csrf = /name="csrf" value="([^"]+)"/.exec(String(page.body))![1]!;
    const decided = await h.call(h.app.review.submitReview, {
      params: { id },
      method: "POST",
      body: new URLSearchParams({ token, csrf, decision: "approve" }).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `breakglass_session=${await h.token("carol")}`,
      },
    });
    expect(decided.status).toBe(200);
    expect(String(decided.body)).toContain("You approved this extension");
    expect((await h.app.requests.get(id))!.window?.closesAt).toBe(at(90 * MINUTE));
  });
});

describe("relentless lockdown", () => {
  it("disable fails five times (409, 429 with a retry hint, 500): the alarm after three, then closed once it works", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT15M");
    const fault = (status: number, count: number, retryAfterSeconds?: number) =>
      h.world.clusterControl.injectFault(h.cluster(), {
        operation: "disable",
        status,
        count,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });
    const nextRetryIn = () =>
      Math.min(
        ...h.engine
          .pendingTimers()
          .filter((timer) => !timer.canceled)
          .map((timer) => timer.fireAt.getTime()),
      ) - h.clock.now();

    await fault(409, 1);
    await h.engine.advanceBy(15 * MINUTE); // the deadline: attempt 1 fails (409)
    expect(nextRetryIn()).toBe(15_000);
    await fault(429, 1, 240);
    await h.engine.advanceBy(15_000); // attempt 2: 429 asking for 240 s, more than the 30 s backoff
    expect(nextRetryIn()).toBe(240_000);
    await fault(500, 3);
    await h.engine.advanceBy(240_000); // attempt 3 fails: the alarm
    expect(await requestStatus(h, id)).toBe("lockdown-failed");
    expect(
      (await h.world.outbox.list(id))
        .filter((message) => message.kind === "lockdown-failed")
        .map((message) => message.severity),
    ).toEqual(["critical", "critical"]);
    await h.engine.advanceBy(60_000 + 120_000); // attempts 4 and 5 fail
    expect(await h.localAccounts()).toBe("enabled");
    await h.engine.advanceBy(240_000); // attempt 6 works
    expect(await requestStatus(h, id)).toBe("closed");
    expect(await h.localAccounts()).toBe("disabled");
    const retries = (await h.audit(id)).filter((entry) => entry.type === "lockdown-retry");
    expect(retries.map((entry) => entry.code)).toEqual(["ARM_409", "ARM_429", "ARM_500", "ARM_500", "ARM_500"]);
    expect((await h.audit(id)).filter((entry) => entry.type === "lockdown-failed")).toHaveLength(1);
    expect(ESCALATE_AFTER).toBe(3);
    expect(await outboxKinds(h, id)).toContain("lockdown-recovered");
  });
});

describe("certificates at lockdown", () => {
  async function windowWithFetch(policy: string, fetch: boolean) {
    const h = await createHarness({ env: { BREAKGLASS_ROTATE_CERTIFICATES: policy } });
    const id = await openWindow(h, "alice", "PT15M");
    if (fetch) {
      h.clock.advance(MINUTE);
      expect(
        (
          await h.call(h.app.dev!.devAdminCredentials, {
            as: "alice",
            params: { name: "aks-prod-weu" },
            method: "POST",
          })
        ).status,
      ).toBe(200);
    }
    await h.engine.advanceBy(30 * MINUTE);
    expect(await requestStatus(h, id)).toBe("closed");
    return {
      h,
      id,
      rotations: await h.world.clusterControl.certificateRotations(h.cluster()),
      kinds: await outboxKinds(h, id),
      trail: await h.audit(id),
    };
  }

  it.each([
    ["always", false, 1, "certificates-rotated"],
    ["always", true, 1, "certificates-rotated"],
    ["when-credentials-issued", true, 1, "certificates-rotated"],
    ["when-credentials-issued", false, 0, undefined],
    ["never", true, 0, "rotation-advised"],
    ["never", false, 0, undefined],
  ] as const)(
    "BREAKGLASS_ROTATE_CERTIFICATES=%s, admin credentials fetched: %s",
    async (policy, fetched, rotations, notification) => {
      const run = await windowWithFetch(policy, fetched);
      expect(run.rotations).toBe(rotations);
      const entry = run.trail.find(
        (candidate) => candidate.type === "certificates-rotated" || candidate.type === "certificates-checked",
      )!;
      expect(entry).toMatchObject({
        type: rotations ? "certificates-rotated" : "certificates-checked",
        details: { action: rotations ? "rotate" : notification ? "advise" : "none", fetches: fetched ? 1 : 0 },
      });
      if (notification) {
        expect(run.kinds).toContain(notification);
        const message = (await run.h.world.outbox.list(run.id)).find((candidate) => candidate.kind === notification)!;
        expect(message.text).toMatch(
          notification === "rotation-advised"
            ? /az aks rotate-certs .*--name aks-prod-weu/
            : /up to ~30 minutes of disruption/,
        );
      } else {
        expect(run.kinds.filter((kind) => kind.includes("rotat") || kind.includes("certificates"))).toEqual([]);
      }
    },
  );
});
