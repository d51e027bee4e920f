// Reading the audit trail over the API: a request's trail, a cluster's over a time range, and the
// daily streams, each paged and checked, with the refusals of bad queries.
import { describe, expect, it } from "vitest";
import { closedRequest } from "../../support/audit.js";
import { createHarness, MINUTE, NEU, WEU } from "../../support/harness.js";
import { DEADLINE_TRAIL } from "../../support/trails.js";

describe("querying the trail", () => {
  it("by cluster and time range, oldest first, paged; by time alone across clusters", async () => {
    const h = await createHarness();
    const first = await closedRequest(h, "alice", WEU);
    h.clock.advance(MINUTE);
    const second = await closedRequest(h, "carol", NEU);
    h.clock.advance(MINUTE);
    const third = await closedRequest(h, "alice", WEU);
    const query = (params: Record<string, string>) => h.call(h.app.api.readAudit, { as: "bob", query: params });
    const range = { from: "2026-11-28", to: "2026-11-29" };

    const weu = (await query({ ...range, cluster: "aks-prod-weu" })).body as {
      cluster: string;
      entries: { requestId: string; sequence: number }[];
      next: string | null;
    };
    expect(weu.cluster).toBe(WEU);
    expect([...new Set(weu.entries.map((entry) => entry.requestId))]).toEqual([first, third]);
    expect(weu.entries.filter((entry) => entry.requestId === first).map((entry) => entry.sequence)).toEqual(
      DEADLINE_TRAIL.map((_, index) => index),
    );

    const page1 = (await query({ ...range, limit: "2" })).body as { entries: { requestId: string }[]; next: string };
    expect([...new Set(page1.entries.map((entry) => entry.requestId))]).toEqual([first, second]);
    const page2 = (await query({ ...range, limit: "2", after: page1.next })).body as {
      entries: { requestId: string }[];
      next: string | null;
    };
    expect([...new Set(page2.entries.map((entry) => entry.requestId))]).toEqual([third]);
    expect(page2.next).toBeNull();

    // A cursor reused with a later `from` does not reach back before it.
    const thirdAt = (await h.app.auditIndex.get(third))!.requestedAt;
    const firstPage = (await query({ ...range, limit: "1" })).body as { next: string };
    const narrowed = (await query({ from: thirdAt, to: "2026-11-29", limit: "1", after: firstPage.next })).body as {
      entries: { requestId: string }[];
    };
    expect([...new Set(narrowed.entries.map((entry) => entry.requestId))]).toEqual([third]);

    const earlier = (await query({ from: "2026-11-01", to: "2026-11-28T09:00:00Z" })).body as { entries: unknown[] };
    expect(earlier.entries).toEqual([]);
    const oneRequestPaged = (await query({ requestId: first, limit: "3" })).body as {
      entries: { sequence: number }[];
      next: string;
    };
    expect(oneRequestPaged.entries.map((entry) => entry.sequence)).toEqual([0, 1, 2]);
    expect(
      ((await query({ requestId: first, after: oneRequestPaged.next })).body as { entries: { sequence: number }[] })
        .entries[0]!.sequence,
    ).toBe(3);
  });

  it("a daily stream (refusals here; the watchdog and group watch alike): paged by key, each entry checked against its hash", async () => {
    const h = await createHarness();
    for (let attempt = 0; attempt < 3; attempt++)
      expect(
        (await h.call(h.app.api.readAudit, { as: "mallory", query: { from: "2026-11-28", to: "2026-11-29" } })).status,
      ).toBe(403);
    const stream = `security-${h.clock.date().toISOString().slice(0, 10)}`;
    const read = async (query: Record<string, string>) =>
      (await h.call(h.app.api.readAudit, { as: "bob", query: { stream, ...query } })).body as {
        entries: { key: string; type: string; actor: { upn: string } }[];
        next: string | null;
      };
    const all = await read({});
    expect(all.entries.map((entry) => [entry.type, entry.actor.upn])).toEqual(
      Array.from({ length: 3 }, () => ["access-refused", "mallory@contoso.dev"]),
    );
    const first = await read({ limit: "2" });
    expect(first.entries).toEqual(all.entries.slice(0, 2));
    expect(await read({ limit: "2", after: first.next! })).toEqual({
      stream,
      entries: all.entries.slice(2),
      next: null,
    });

    const verifyStream = async () => (await h.call(h.app.api.verifyAudit, { as: "bob", query: { stream } })).body;
    expect(await verifyStream()).toEqual({ ok: true, entries: 3 });
    await h
      .table("Audit")
      .updateEntity({ partitionKey: stream, rowKey: all.entries[1]!.key, actorUpn: "alice@contoso.dev" }, "Merge");
    expect(await verifyStream()).toMatchObject({
      ok: false,
      brokenAt: 1,
      reason: expect.stringContaining("does not match its hash"),
    });
  });

  it("refuses bad queries with a clear 400, non-approvers with 403, and unknown requests to verify with 404", async () => {
    const h = await createHarness();
    const bad = async (query: Record<string, string>, message: RegExp) => {
      const reply = await h.call(h.app.api.readAudit, { as: "bob", query });
      expect(reply.status, JSON.stringify(query)).toBe(400);
      expect((reply.body as { error: { code: string; message: string } }).error).toMatchObject({
        code: "INVALID_REQUEST",
        message: expect.stringMatching(message),
      });
    };
    await bad({}, /requestId, stream, or from and to/);
    await bad({ cluster: "aks-prod-weu" }, /from: required/);
    await bad({ from: "yesterday", to: "2026-11-29" }, /from: not an ISO-8601/);
    await bad({ from: "2026-11-29", to: "2026-11-28" }, /to: must be after from/);
    await bad({ from: "2024-01-01", to: "2026-11-28" }, /at most 366 days/);
    await bad({ from: "2026-11-28", to: "2026-11-29", cluster: "aks-nowhere" }, /cluster: not a managed cluster/);
    await bad({ from: "2026-11-28", to: "2026-11-29", after: "../../etc" }, /after: not a cursor/);
    await bad({ from: "2026-11-28", to: "2026-11-29", limit: "0" }, /limit: a whole number/);
    await bad({ requestId: "bg-nope" }, /requestId: not a request id/);
    await bad({ from: "2026-02-31", to: "2026-03-29" }, /from: not an ISO-8601 date or time \(or not a real one\)/);
    await bad({ from: "2026-11-28T24:00:00Z", to: "2026-11-29" }, /from: not an ISO-8601/);
    await bad({ requestId: "bg-01m8gshv80v200jgzv74xjm1zr", to: "2026-11-29" }, /not several/);
    await bad({ stream: "security-2026-11-28", from: "2026-11-28" }, /not several/);
    await bad({ stream: "security-2026-02-31" }, /stream: a daily stream/);
    await bad({ stream: "bg-01m8gshv80v200jgzv74xjm1zr" }, /stream: a daily stream/);
    await bad({ stream: "security-2026-11-28", after: "42" }, /after: not a cursor/);
    expect(
      (await h.call(h.app.api.readAudit, { as: "alice", query: { from: "2026-11-28", to: "2026-11-29" } })).status,
    ).toBe(403);
    expect(
      (await h.call(h.app.api.verifyAudit, { as: "mallory", query: { requestId: "bg-01m8gshv80v200jgzv74xjm1zr" } }))
        .status,
    ).toBe(403);
    expect(
      (await h.call(h.app.api.verifyAudit, { as: "bob", query: { requestId: "bg-01m8gshv80v200jgzv74xjm1zr" } }))
        .status,
    ).toBe(404);
    expect((await h.call(h.app.api.verifyAudit, { as: "bob", query: {} })).status).toBe(400);
    expect((await h.call(h.app.api.verifyAudit, { as: "bob", query: { stream: "watchdog-2026-01-01" } })).status).toBe(
      404,
    );
  });
});
