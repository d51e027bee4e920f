// The HTTP API (docs/design.md §4), called with real HttpRequest objects. Every client mistake gets a
// clear JSON error and changes nothing; every refusal of a signed-in user is audited.
import { InvocationContext } from "@azure/functions";
import { beforeAll, describe, expect, it } from "vitest";
import { DevTokenIssuer } from "../../src/adapters/simulation/devTokens.js";
import { endpoint } from "../../src/http/handler.js";
import { MAX_BODY_BYTES } from "../../src/http/body.js";
import { TransientError } from "../../src/ports/errors.js";
import {
  createHarness,
  MINUTE,
  NEU,
  T0,
  USERS,
  WEU,
  type Harness,
  type Reply,
  type UserName,
} from "../support/harness.js";

const NEW_REQUEST = { cluster: WEU, justification: "Entra ID outage", ticket: "INC-1", duration: "PT1H" };
const UNKNOWN_ID = "bg-01m8gshv80v200jgzv74xjm1zr";

function expectError(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
  expect(reply.body).toEqual({ error: { code, message: expect.any(String) } });
  expect(JSON.stringify(reply.body)).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
}

async function create(h: Harness, as: UserName = "alice", json: unknown = NEW_REQUEST) {
  return h.call(h.app.api.createRequest, { as, json });
}

async function createdId(h: Harness, as: UserName = "alice", json: unknown = NEW_REQUEST) {
  const reply = await create(h, as, json);
  expect(reply.status).toBe(202);
  return (reply.body as { id: string }).id;
}

async function nothingChanged(h: Harness) {
  expect(await h.app.requests.list({})).toEqual([]);
  expect(await h.world.outbox.list()).toEqual([]);
  expect(await h.localAccounts(WEU)).toBe("disabled");
}

async function securityTrail(h: Harness) {
  return h.app.audit.readStream(`security-${T0.toISOString().slice(0, 10)}`);
}

describe("HTTP API: authentication (401)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });

  it("refuses a request without a token", async () => {
    const reply = await h.call(h.app.api.createRequest, { json: NEW_REQUEST });
    expectError(reply, 401, "UNAUTHENTICATED");
    expect(reply.headers.get("www-authenticate")).toBe('Bearer realm="aks-breakglass"');
  });

  it("refuses malformed, expired and forged tokens on every route", async () => {
    const expired = (await h.world.tokens.issue(USERS.alice, new Date(T0.getTime() - 2 * 3600_000))).access_token;
    const stranger = await DevTokenIssuer.create({
      authorityHost: h.config.endpoints.authority,
      tenantId: h.config.tenantId,
      audience: h.config.apiAudience,
    });
    const forged = (await stranger.issue(USERS.alice, T0)).access_token;
    const routes = [
      [h.app.api.createRequest, { json: NEW_REQUEST }],
      [h.app.api.getRequest, { params: { id: UNKNOWN_ID } }],
      [h.app.api.listRequests, {}],
      [h.app.api.approveRequest, { params: { id: UNKNOWN_ID }, method: "POST" }],
      [h.app.api.denyRequest, { params: { id: UNKNOWN_ID }, method: "POST" }],
      [h.app.api.closeRequest, { params: { id: UNKNOWN_ID }, method: "POST" }],
      [h.app.api.listClusters, {}],
      [h.app.api.readAudit, { query: { requestId: UNKNOWN_ID } }],
    ] as const;
    for (const [handler, call] of routes) {
      for (const authorization of ["Bearer garbage", `Bearer ${expired}`, `Bearer ${forged}`, "Basic YWxpY2U6cHc="]) {
        const reply = await h.call(handler, { ...call, headers: { authorization } });
        expectError(reply, 401, "UNAUTHENTICATED");
        expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer realm="aks-breakglass", error="invalid_token"/);
      }
    }
    await nothingChanged(h);
  });

  it("says why an expired token is refused", async () => {
    const expired = (await h.world.tokens.issue(USERS.alice, new Date(T0.getTime() - 2 * 3600_000))).access_token;
    const reply = await h.call(h.app.api.listClusters, { headers: { authorization: `Bearer ${expired}` } });
    expect((reply.body as { error: { message: string } }).error.message).toBe("the token has expired");
  });

  it("keeps health open to anyone", async () => {
    const reply = await h.call(h.app.api.health);
    expect(reply).toMatchObject({ status: 200, body: { status: "ok", mode: "simulation" } });
    expect(reply.headers.get("cache-control")).toBe("no-store");
  });
});

describe("HTTP API: bad input (400/413/415) changes nothing", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });

  const bad: [string, Parameters<Harness["call"]>[1], number, string][] = [
    ["malformed JSON", { body: '{"cluster":', headers: { "content-type": "application/json" } }, 400, "MALFORMED_JSON"],
    ["an empty body", { body: "", method: "POST" }, 400, "BODY_REQUIRED"],
    ["a JSON array", { json: [NEW_REQUEST] }, 400, "INVALID_REQUEST"],
    ["a wrong type", { json: { ...NEW_REQUEST, duration: 60 } }, 400, "INVALID_REQUEST"],
    ["a cluster that is a number", { json: { ...NEW_REQUEST, cluster: 42 } }, 400, "INVALID_REQUEST"],
    ["a missing ticket", { json: { cluster: WEU, justification: "x" } }, 400, "INVALID_REQUEST"],
    ["a blank justification", { json: { ...NEW_REQUEST, justification: "   " } }, 400, "INVALID_REQUEST"],
    ["an unknown field", { json: { ...NEW_REQUEST, durration: "PT1H" } }, 400, "INVALID_REQUEST"],
    ["a duration that is not ISO-8601", { json: { ...NEW_REQUEST, duration: "1 hour" } }, 400, "INVALID_DURATION"],
    ["a duration above the maximum", { json: { ...NEW_REQUEST, duration: "PT5H" } }, 400, "INVALID_DURATION"],
    ["a duration below the minimum", { json: { ...NEW_REQUEST, duration: "PT5M" } }, 400, "INVALID_DURATION"],
    ["a text body", { body: "cluster=aks", headers: { "content-type": "text/plain" } }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["a body without a media type", { body: JSON.stringify(NEW_REQUEST) }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    [
      "an oversized body",
      { json: { ...NEW_REQUEST, justification: "x".repeat(MAX_BODY_BYTES) } },
      413,
      "PAYLOAD_TOO_LARGE",
    ],
    [
      "an oversized body that lies about its length",
      {
        body: JSON.stringify({ ...NEW_REQUEST, ticket: "y".repeat(MAX_BODY_BYTES) }),
        headers: { "content-type": "application/json", "content-length": "10" },
      },
      413,
      "PAYLOAD_TOO_LARGE",
    ],
  ];
  it.each(bad)("refuses %s", async (_what, call, status, code) => {
    expectError(await h.call(h.app.api.createRequest, { as: "alice", method: "POST", ...call }), status, code);
    await nothingChanged(h);
  });

  it("names the offending field", async () => {
    const reply = await create(h, "alice", { ...NEW_REQUEST, duration: 60 });
    expect((reply.body as { error: { message: string } }).error.message).toMatch(/^duration: /);
  });

  it("refuses bad bodies and parameters on the other routes too", async () => {
    const id = await createdId(h);
    expectError(
      await h.call(h.app.api.denyRequest, { as: "bob", params: { id }, json: { reason: 42 } }),
      400,
      "INVALID_REQUEST",
    );
    expectError(
      await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, json: { approved: true } }),
      400,
      "INVALID_REQUEST",
    );
    expectError(
      await h.call(h.app.api.closeRequest, {
        as: "alice",
        params: { id },
        body: "{",
        headers: { "content-type": "application/json" },
      }),
      400,
      "MALFORMED_JSON",
    );
    expectError(
      await h.call(h.app.api.listRequests, { as: "bob", query: { status: "opened" } }),
      400,
      "INVALID_REQUEST",
    );
    expectError(
      await h.call(h.app.api.listRequests, { as: "bob", query: { cluster: "aks-prod-weu" } }),
      400,
      "INVALID_REQUEST",
    );
    expect((await h.app.requests.get(id))?.status).toBe("pending-approval");
    expect(await h.localAccounts()).toBe("disabled");
  });
});

describe("HTTP API: authorization (403) and no enumeration (404)", () => {
  it("refuses a window to anyone outside the emergency group, and audits it", async () => {
    const h = await createHarness();
    expectError(await create(h, "mallory"), 403, "NOT_EMERGENCY_MEMBER");
    h.clock.advance(1); // security entries are ordered by time
    expectError(await create(h, "bob"), 403, "NOT_EMERGENCY_MEMBER");
    await nothingChanged(h);
    const trail = await securityTrail(h);
    expect(trail.map((entry) => [entry.actor?.upn, entry.code, entry.details?.action])).toEqual([
      ["mallory@contoso.dev", "NOT_EMERGENCY_MEMBER", "request"],
      ["bob@contoso.dev", "NOT_EMERGENCY_MEMBER", "request"],
    ]);
    expect(trail[0]).toMatchObject({ type: "access-refused", outcome: "refused", cluster: WEU });
  });

  it("refuses a cluster that is not managed", async () => {
    const h = await createHarness();
    const other = WEU.replace("aks-prod-weu", "aks-dev");
    expectError(await create(h, "alice", { ...NEW_REQUEST, cluster: other }), 403, "CLUSTER_NOT_MANAGED");
    await nothingChanged(h);
  });

  it("matches the cluster id without regard to case", async () => {
    const h = await createHarness();
    const reply = await create(h, "alice", {
      ...NEW_REQUEST,
      cluster: WEU.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions"),
    });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ cluster: WEU, clusterName: "aks-prod-weu" });
  });

  it("refuses self-approval, also by someone in both groups (carol)", async () => {
    const h = await createHarness();
    const id = await createdId(h, "carol");
    expectError(
      await h.call(h.app.api.approveRequest, { as: "carol", params: { id }, method: "POST" }),
      403,
      "SELF_APPROVAL",
    );
    expectError(
      await h.call(h.app.api.denyRequest, { as: "carol", params: { id }, method: "POST" }),
      403,
      "SELF_APPROVAL",
    );
    expect(await h.app.requests.get(id)).toMatchObject({ status: "pending-approval", approvals: [] });
    expect(await h.localAccounts()).toBe("disabled");
    expect((await securityTrail(h)).map((entry) => entry.code)).toEqual(["SELF_APPROVAL", "SELF_APPROVAL"]);
    // A real second person can.
    expect((await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })).status).toBe(202);
    expect(await h.localAccounts()).toBe("enabled");
  });

  it("refuses decisions from non-approvers", async () => {
    const h = await createHarness();
    const id = await createdId(h, "carol");
    expectError(
      await h.call(h.app.api.approveRequest, { as: "alice", params: { id }, method: "POST" }),
      403,
      "NOT_APPROVER",
    );
    expect((await h.app.requests.get(id))?.approvals).toEqual([]);
  });

  it("refuses mallory everywhere", async () => {
    const h = await createHarness();
    const id = await createdId(h);
    const before = await h.app.requests.get(id);
    expectError(await create(h, "mallory"), 403, "NOT_EMERGENCY_MEMBER");
    expectError(await h.call(h.app.api.getRequest, { as: "mallory", params: { id } }), 404, "REQUEST_NOT_FOUND");
    expectError(await h.call(h.app.api.listRequests, { as: "mallory" }), 403, "NOT_APPROVER");
    expectError(
      await h.call(h.app.api.approveRequest, { as: "mallory", params: { id }, method: "POST" }),
      403,
      "NOT_APPROVER",
    );
    expectError(
      await h.call(h.app.api.denyRequest, { as: "mallory", params: { id }, method: "POST" }),
      403,
      "NOT_APPROVER",
    );
    expectError(
      await h.call(h.app.api.closeRequest, { as: "mallory", params: { id }, method: "POST" }),
      404,
      "REQUEST_NOT_FOUND",
    );
    expectError(await h.call(h.app.api.listClusters, { as: "mallory" }), 403, "NOT_AUTHORIZED");
    expect(await h.app.requests.get(id)).toEqual(before);
    expect(await h.localAccounts()).toBe("disabled");
    expect((await securityTrail(h)).every((entry) => entry.actor?.upn === "mallory@contoso.dev")).toBe(true);
  });

  it("answers 404 alike for unknown, malformed and forbidden ids", async () => {
    const h = await createHarness();
    const id = await createdId(h);
    for (const [as, requestId] of [
      ["bob", UNKNOWN_ID],
      ["bob", "../../etc"],
      ["bob", ""],
      ["mallory", id],
    ] as const) {
      const reply = await h.call(h.app.api.getRequest, { as, params: { id: requestId } });
      expectError(reply, 404, "REQUEST_NOT_FOUND");
    }
    expectError(
      await h.call(h.app.api.approveRequest, { as: "bob", params: { id: UNKNOWN_ID }, method: "POST" }),
      404,
      "REQUEST_NOT_FOUND",
    );
    expectError(
      await h.call(h.app.api.closeRequest, { as: "alice", params: { id: UNKNOWN_ID }, method: "POST" }),
      404,
      "REQUEST_NOT_FOUND",
    );
  });

  it("lets the requester and approvers read a request", async () => {
    const h = await createHarness();
    const id = await createdId(h);
    for (const as of ["alice", "bob", "carol"] as const) {
      const reply = await h.call(h.app.api.getRequest, { as, params: { id } });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        id,
        cluster: WEU,
        requester: { oid: USERS.alice.oid, upn: "alice@contoso.dev", displayName: "Alice Admin" },
        status: "pending-approval",
        approvals: [],
        window: null,
      });
    }
  });
});

describe("HTTP API: conflicts (409)", () => {
  it("allows one live request per requester per cluster", async () => {
    const h = await createHarness();
    const first = await createdId(h);
    expectError(await create(h), 409, "LIVE_REQUEST_EXISTS");
    expect(((await create(h)).body as { error: { message: string } }).error.message).toContain(first);
    expect(await createdId(h, "alice", { ...NEW_REQUEST, cluster: NEU })).not.toBe(first);
    expect(await createdId(h, "carol")).not.toBe(first);
    // Once the first has ended, alice may ask again.
    await h.call(h.app.api.denyRequest, { as: "bob", params: { id: first }, method: "POST" });
    expect(await createdId(h)).not.toBe(first);
  });

  it("holds under concurrent requests: exactly one is accepted", async () => {
    const h = await createHarness();
    const replies = await Promise.all(Array.from({ length: 5 }, () => create(h)));
    expect(replies.map((reply) => reply.status).sort()).toEqual([202, 409, 409, 409, 409]);
    expect(await h.app.requests.list({})).toHaveLength(1);
  });

  it("refuses decisions once decided, replays of an approval, and decisions after the deadline", async () => {
    const h = await createHarness();
    const denied = await createdId(h);
    await h.call(h.app.api.denyRequest, { as: "bob", params: { id: denied }, method: "POST" });
    expectError(
      await h.call(h.app.api.approveRequest, { as: "carol", params: { id: denied }, method: "POST" }),
      409,
      "NOT_PENDING",
    );
    expectError(
      await h.call(h.app.api.denyRequest, { as: "bob", params: { id: denied }, method: "POST" }),
      409,
      "NOT_PENDING",
    );
    expectError(
      await h.call(h.app.api.closeRequest, { as: "alice", params: { id: denied }, method: "POST" }),
      409,
      "NOT_OPEN",
    );

    const open = await createdId(h);
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id: open }, method: "POST" });
    expectError(
      await h.call(h.app.api.approveRequest, { as: "bob", params: { id: open }, method: "POST" }),
      409,
      "NOT_PENDING",
    );

    const late = await createdId(h, "carol");
    h.clock.advance(30 * MINUTE); // the deadline has passed, though its timer has not fired yet
    expectError(
      await h.call(h.app.api.approveRequest, { as: "bob", params: { id: late }, method: "POST" }),
      409,
      "APPROVAL_EXPIRED",
    );
    expect((await h.app.requests.get(late))?.approvals).toEqual([]);
  });

  it("refuses a second approval by the same approver while more are needed", async () => {
    const h = await createHarness({ env: { BREAKGLASS_REQUIRED_APPROVALS: "2" } });
    const id = await createdId(h);
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
    expectError(
      await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" }),
      409,
      "ALREADY_APPROVED",
    );
  });
});

describe("HTTP API: clusters and lists", () => {
  it("shows each managed cluster's local accounts and open windows", async () => {
    const h = await createHarness();
    const before = await h.call(h.app.api.listClusters, { as: "alice" });
    expect(before).toMatchObject({
      status: 200,
      body: [
        { id: WEU, name: "aks-prod-weu", localAccounts: "disabled", openWindows: [] },
        { id: NEU, name: "aks-prod-neu", localAccounts: "disabled", openWindows: [] },
      ],
    });
    const id = await createdId(h);
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
    const during = await h.call(h.app.api.listClusters, { as: "bob" });
    expect(during.body).toMatchObject([
      {
        id: WEU,
        localAccounts: "enabled",
        openWindows: [{ requestId: id, closesAt: new Date(T0.getTime() + 60 * MINUTE).toISOString() }],
      },
      { id: NEU, localAccounts: "disabled", openWindows: [] },
    ]);
    await h.engine.advanceBy(60 * MINUTE);
    expect((await h.call(h.app.api.listClusters, { as: "carol" })).body).toMatchObject([
      { localAccounts: "disabled", openWindows: [] },
      {},
    ]);
  });

  it("lists requests for approvers, filtered by status and cluster", async () => {
    const h = await createHarness();
    const a = await createdId(h);
    h.clock.advance(MINUTE);
    const c = await createdId(h, "carol", { ...NEW_REQUEST, cluster: NEU });
    await h.call(h.app.api.denyRequest, { as: "bob", params: { id: a }, method: "POST" });
    const ids = async (query: Record<string, string>) =>
      ((await h.call(h.app.api.listRequests, { as: "bob", query })).body as { id: string }[]).map(
        (request) => request.id,
      );
    expect(await ids({})).toEqual([c, a]);
    expect(await ids({ status: "denied" })).toEqual([a]);
    expect(await ids({ cluster: NEU.toLowerCase() })).toEqual([c]);
    expect(await ids({ status: "pending-approval", cluster: WEU })).toEqual([]);
  });
});

describe("HTTP API: the audit trail", () => {
  it("shows approvers a request's entries, oldest first, and nobody else", async () => {
    const h = await createHarness();
    const id = await createdId(h);
    await h.call(h.app.api.denyRequest, { as: "bob", params: { id }, method: "POST" });
    const reply = await h.call(h.app.api.readAudit, { as: "carol", query: { requestId: id } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      requestId: id,
      next: null,
      entries: [
        {
          sequence: 0,
          type: "requested",
          actor: { oid: USERS.alice.oid, upn: "alice@contoso.dev" },
          cluster: WEU,
          at: T0.toISOString(),
        },
        { sequence: 1, type: "approvers-notified" },
        { sequence: 2, type: "denied", actor: { oid: USERS.bob.oid }, code: "DENIED" },
      ],
    });
    expectError(await h.call(h.app.api.readAudit, { as: "alice", query: { requestId: id } }), 403, "NOT_APPROVER");
    expectError(await h.call(h.app.api.readAudit, { as: "mallory", query: { requestId: id } }), 403, "NOT_APPROVER");
    expectError(await h.call(h.app.api.readAudit, { as: "bob", query: { requestId: "x" } }), 400, "INVALID_REQUEST");
    expectError(await h.call(h.app.api.readAudit, { as: "bob" }), 400, "INVALID_REQUEST");
  });
});

describe("HTTP API: failures that are not the client's", () => {
  it("answers 503 and records the request as failed when the workflow cannot start", async () => {
    const h = await createHarness({
      wrapWorkflow: (client) => ({
        ...client,
        startWindow: () => Promise.reject(new Error("task hub unavailable")),
        sendAction: client.sendAction.bind(client),
      }),
    });
    const reply = await create(h);
    expectError(reply, 503, "SERVICE_UNAVAILABLE");
    expect(reply.headers.get("retry-after")).toBe("5");
    const [stored] = await h.app.requests.list({});
    expect(stored).toMatchObject({ status: "failed", outcome: { code: "START_FAILED" } });
    expect(await h.localAccounts()).toBe("disabled");
    // The failed request does not block a new one.
    expect((await create(h)).status).toBe(503);
    expect(await h.app.requests.list({ status: "failed" })).toHaveLength(2);
  });

  it("turns a storage outage into 503 and a bug into a 500 without details", async () => {
    const context = new InvocationContext({ functionName: "f", invocationId: "inv-1", logHandler: () => {} });
    const outage = await endpoint(() =>
      Promise.reject(new TransientError("STORAGE_503", "secret connection detail", 30_000)),
    )(undefined as never, context);
    expect(outage.status).toBe(503);
    expect(outage.body).not.toContain("secret");
    expect(new Headers(outage.headers as Record<string, string>).get("retry-after")).toBe("30");
    const bug = await endpoint(() => Promise.reject(new TypeError("cannot read x of undefined")))(
      undefined as never,
      context,
    );
    expect(bug.status).toBe(500);
    expect(JSON.parse(bug.body as string)).toEqual({
      error: {
        code: "INTERNAL_ERROR",
        message: "internal error; the operator can find it in the logs under invocation inv-1",
      },
    });
  });
});
