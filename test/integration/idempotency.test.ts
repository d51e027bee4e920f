// Idempotency-Key on POST /api/requests (docs/design.md §4), through the composed app: the same key
// from the same requester within 24 hours answers the first request's 202 again and never creates a
// second request, whatever the races, crashes and failures in between.
import { describe, expect, inject, it } from "vitest";
import { TableIdempotencyStore } from "../../src/adapters/azure/tableIdempotencyStore.js";
import { IDEMPOTENCY_WINDOW_MS, RESERVATION_BOUND_MS } from "../../src/domain/idempotency.js";
import type { IdempotencyStore } from "../../src/ports/idempotencyStore.js";
import type { WorkflowClient } from "../../src/ports/workflowClient.js";
import { createHarness, NEU, USERS, WEU, type Harness, type Reply, type UserName } from "../support/harness.js";

const NEW_REQUEST = { cluster: WEU, justification: "Entra ID outage", ticket: "INC-1", duration: "PT1H" };
const KEY = "0b6f3c1e-2d4a-4f5b-8c9d-1e2f3a4b5c6d";

interface Counted {
  readonly h: Harness;
  /** The workflows started, by request id. */
  readonly started: string[];
  /** The store the app keeps its keys in, reached as the app reaches it. */
  readonly keys: IdempotencyStore;
}

/** `fail`: starting a workflow throws; `skip`: it returns without starting one (an attempt that died there). */
async function harness(failStart: { fail: boolean; skip?: boolean } = { fail: false }): Promise<Counted> {
  const started: string[] = [];
  const h = await createHarness({
    wrapWorkflow: (client): WorkflowClient => ({
      sendAction: client.sendAction.bind(client),
      status: client.status.bind(client),
      startGroupWatch: client.startGroupWatch.bind(client),
      startWindow: async (input) => {
        if (failStart.fail) throw new Error("task hub unavailable");
        if (failStart.skip) return;
        started.push(input.id);
        await client.startWindow(input);
      },
    }),
  });
  const keys = new TableIdempotencyStore({
    connectionString: inject("azuriteConnectionString"),
    tablePrefix: h.tablePrefix,
  });
  return { h, started, keys };
}

function post(h: Harness, options: { as?: UserName; key?: string; json?: unknown } = {}): Promise<Reply> {
  return h.call(h.app.api.createRequest, {
    as: options.as ?? "alice",
    json: options.json ?? NEW_REQUEST,
    ...(options.key === undefined ? {} : { headers: { "Idempotency-Key": options.key } }),
  });
}

const idOf = (reply: Reply) => (reply.body as { id: string }).id;
const codeOf = (reply: Reply) => (reply.body as { error?: { code: string } }).error?.code;

/** The rows of the keys' table; none when nothing ever made it. */
async function storedKeys(h: Harness): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  try {
    for await (const row of h.table("IdempotencyKeys").listEntities()) rows.push(row);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return rows;
}

describe("Idempotency-Key on POST /api/requests", () => {
  it("answers the same key again with the first 202: same id, one request, one workflow", async () => {
    const { h, started } = await harness();
    const first = await post(h, { key: KEY });
    const again = await post(h, { key: KEY });
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("location")).toBe(`/api/requests/${idOf(first)}`);
    expect((await h.app.requests.list({})).map((request) => request.id)).toEqual([idOf(first)]);
    expect(started).toEqual([idOf(first)]);
    expect(h.engine.instanceIds()).toEqual([idOf(first)]);
  });

  it("answers the first 202 whatever the second body, even one that is not a request", async () => {
    const { h } = await harness();
    const first = await post(h, { key: KEY });
    for (const json of [{ ...NEW_REQUEST, cluster: NEU, ticket: "INC-2" }, { nonsense: true }]) {
      const again = await post(h, { key: KEY, json });
      expect(again.status).toBe(202);
      expect(again.body).toEqual(first.body);
    }
    expect(await h.app.requests.list({})).toHaveLength(1);
  });

  it("keeps the keys of different requesters apart", async () => {
    const { h, started } = await harness();
    const alices = await post(h, { key: KEY });
    const carols = await post(h, { key: KEY, as: "carol" });
    expect(carols.status).toBe(202);
    expect(carols.headers.get("idempotent-replayed")).toBeNull();
    expect(idOf(carols)).not.toBe(idOf(alices));
    expect((await h.app.requests.get(idOf(carols)))?.requester.oid).toBe(USERS.carol.oid);
    expect(started).toHaveLength(2);
  });

  it("changes nothing without a key: a second POST meets the live request", async () => {
    const { h } = await harness();
    expect((await post(h)).status).toBe(202);
    const second = await post(h);
    expect(second.status).toBe(409);
    expect(codeOf(second)).toBe("LIVE_REQUEST_EXISTS");
    expect(await storedKeys(h)).toEqual([]);
  });

  it.each([
    ["empty", ""],
    ["129 characters", "k".repeat(129)],
    ["with a space", "two words"],
  ])("refuses a key that is %s with 400, storing nothing", async (_name, key) => {
    const { h, started } = await harness();
    const reply = await post(h, { key });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { code: "INVALID_IDEMPOTENCY_KEY", message: expect.any(String) } });
    expect(await h.app.requests.list({})).toEqual([]);
    expect(await storedKeys(h)).toEqual([]);
    expect(started).toEqual([]);
  });

  it("stores the key by requester and a hash of it, never the key itself", async () => {
    const { h } = await harness();
    await post(h, { key: "a/b#c?d\\e" });
    const [row, ...more] = await storedKeys(h);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      partitionKey: USERS.alice.oid.toLowerCase(),
      rowKey: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(row)).not.toContain("a/b#c?d");
  });

  it("evaluates a key afresh after 24 hours", async () => {
    const { h, started } = await harness();
    const first = await post(h, { key: KEY });
    // The first request's approval times out meanwhile, so alice may ask again.
    await h.engine.advanceBy(IDEMPOTENCY_WINDOW_MS + 1_000);
    expect((await h.app.requests.get(idOf(first)))?.status).toBe("expired");
    const later = await post(h, { key: KEY });
    expect(later.status).toBe(202);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(idOf(later)).not.toBe(idOf(first));
    expect(started).toEqual([idOf(first), idOf(later)]);
    // And the key now means the new request.
    expect(idOf(await post(h, { key: KEY }))).toBe(idOf(later));
  });

  it("holds under concurrent POSTs with one key: one request, and every answer names it", async () => {
    const { h, started } = await harness();
    const replies = await Promise.all(Array.from({ length: 5 }, () => post(h, { key: KEY })));
    const [request, ...more] = await h.app.requests.list({});
    expect(more).toEqual([]);
    for (const reply of replies) {
      if (reply.status === 409) {
        expect(codeOf(reply)).toBe("IDEMPOTENCY_KEY_IN_USE");
        expect(reply.headers.get("retry-after")).toBe("1");
        const retried = await post(h, { key: KEY });
        expect(retried.status).toBe(202);
        expect(idOf(retried)).toBe(request!.id);
      } else {
        expect(reply.status).toBe(202);
        expect(idOf(reply)).toBe(request!.id);
      }
    }
    expect(replies.filter((reply) => reply.status === 202).length).toBeGreaterThanOrEqual(1);
    expect(started).toEqual([request!.id]);
  });

  it("asks a retry to wait while the first attempt may still be running", async () => {
    const { h, keys } = await harness();
    const reservedAt = new Date(h.clock.now() - RESERVATION_BOUND_MS + 1_000).toISOString();
    await keys.reserve(USERS.alice.oid, KEY, { requestId: "bg-01m8gshv80v200jgzv74xjm1zr", reservedAt });
    const reply = await post(h, { key: KEY });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual({
      error: { code: "IDEMPOTENCY_KEY_IN_USE", message: expect.stringContaining("still being processed") },
    });
    expect(reply.headers.get("retry-after")).toBe("1");
    expect(await h.app.requests.list({})).toEqual([]);
  });

  it("takes over a reservation left by an attempt that died before creating its request", async () => {
    const { h, keys, started } = await harness();
    const dead = "bg-01m8gshv80v200jgzv74xjm1zr";
    const reservedAt = new Date(h.clock.now() - RESERVATION_BOUND_MS - 1_000).toISOString();
    await keys.reserve(USERS.alice.oid, KEY, { requestId: dead, reservedAt });
    const reply = await post(h, { key: KEY });
    expect(reply.status).toBe(202);
    expect(idOf(reply)).not.toBe(dead);
    expect((await h.app.requests.list({})).map((request) => request.id)).toEqual([idOf(reply)]);
    expect(started).toEqual([idOf(reply)]);
    expect(idOf(await post(h, { key: KEY }))).toBe(idOf(reply));
  });

  it("answers the request of an attempt that died after creating it, and completes its key", async () => {
    const { h, keys, started } = await harness();
    const created = await post(h); // the dead attempt's request, created and started
    const reservedAt = new Date(h.clock.now() - RESERVATION_BOUND_MS - 1_000).toISOString();
    await keys.reserve(USERS.alice.oid, KEY, { requestId: idOf(created), reservedAt });
    const reply = await post(h, { key: KEY });
    expect(reply.status).toBe(202);
    expect(reply.headers.get("idempotent-replayed")).toBe("true");
    expect(idOf(reply)).toBe(idOf(created));
    expect((await keys.read(USERS.alice.oid, KEY))?.answer).toBeDefined();
    expect(idOf(await post(h, { key: KEY, json: {} }))).toBe(idOf(created));
    expect(await h.app.requests.list({})).toHaveLength(1);
    expect(started).toEqual([idOf(created)]);
  });

  it("fails the request of an attempt that died before starting its workflow, and takes the key over", async () => {
    const startMode = { fail: false, skip: true };
    const { h, keys, started } = await harness(startMode);
    const orphan = await post(h); // stored, and then its attempt died: no workflow
    startMode.skip = false;
    const reservedAt = new Date(h.clock.now() - RESERVATION_BOUND_MS - 1_000).toISOString();
    await keys.reserve(USERS.alice.oid, KEY, { requestId: idOf(orphan), reservedAt });
    const reply = await post(h, { key: KEY });
    expect(reply.status).toBe(202);
    expect(reply.headers.get("idempotent-replayed")).toBeNull();
    expect(idOf(reply)).not.toBe(idOf(orphan));
    expect(await h.app.requests.get(idOf(orphan))).toMatchObject({
      status: "failed",
      outcome: { code: "START_FAILED" },
    });
    expect(started).toEqual([idOf(reply)]);
    expect(idOf(await post(h, { key: KEY }))).toBe(idOf(reply));
  });

  it("releases the key when the workflow cannot start, so that a retry creates the request", async () => {
    const failStart = { fail: true };
    const { h, started } = await harness(failStart);
    const failed = await post(h, { key: KEY });
    expect(failed.status).toBe(503);
    expect(codeOf(failed)).toBe("SERVICE_UNAVAILABLE");
    expect(await storedKeys(h)).toEqual([]);
    failStart.fail = false;
    const retried = await post(h, { key: KEY });
    expect(retried.status).toBe(202);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(started).toEqual([idOf(retried)]);
    expect((await h.app.requests.get(idOf(retried)))?.status).toBe("pending-approval");
    expect(await h.app.requests.list({ status: "failed" })).toHaveLength(1);
  });

  it("releases the key when the request is refused for a live one, so that a later retry is asked afresh", async () => {
    const { h } = await harness();
    const live = await post(h);
    const refused = await post(h, { key: KEY });
    expect(codeOf(refused)).toBe("LIVE_REQUEST_EXISTS");
    expect(await storedKeys(h)).toEqual([]);
    await h.call(h.app.api.denyRequest, { as: "bob", params: { id: idOf(live) }, method: "POST" });
    const retried = await post(h, { key: KEY });
    expect(retried.status).toBe(202);
    expect(idOf(retried)).not.toBe(idOf(live));
  });
});
