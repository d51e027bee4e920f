// The tamper-evident audit trail against Azurite: whole workflows, then edits made directly in the
// table the way someone with the storage key could make them, and the verdicts of the API and the
// command line.
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { auditEntryHash, requestAuditEntry, streamGenesis } from "../../src/domain/auditChain.js";
import { CLOSE_RECORD_GRACE_MS, readRequestTrail } from "../../src/audit/verification.js";
import { csvRow } from "../../src/audit/export.js";
import { progressBar, runAuditCommand, type CliIo } from "../../src/cli/audit.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import type { EmergencyRequest } from "../../src/domain/request.js";
import { createHarness, MINUTE, NEU, USERS, WEU, type Harness } from "../support/harness.js";
import { DEADLINE_TRAIL } from "../support/trails.js";

const scratch = mkdtempSync(join(tmpdir(), "breakglass-audit-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A request that went all the way: requested, approved, opened, locked at the deadline. */
async function closedRequest(h: Harness, as: "alice" | "carol" = "alice", cluster: string = WEU): Promise<string> {
  const created = await h.call(h.app.api.createRequest, {
    as,
    json: { cluster, justification: "Entra outage", ticket: "INC-1", duration: "PT15M" },
  });
  expect(created.status).toBe(202);
  const { id } = created.body as { id: string };
  expect((await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })).status).toBe(202);
  await h.engine.advanceBy(15 * MINUTE);
  expect((await h.app.requests.get(id))!.status).toBe("closed");
  return id;
}

async function verify(h: Harness, requestId: string) {
  const reply = await h.call(h.app.api.verifyAudit, { as: "bob", query: { requestId } });
  expect(reply.status).toBe(200);
  return reply.body as { ok: boolean; entries: number; brokenAt?: number; reason?: string };
}

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    write: (text) => void out.push(text),
    error: (text) => void err.push(text),
    interactive: true,
    openOut(path) {
      const lines: string[] = [];
      return { write: (text) => void lines.push(text), close: async () => writeFileSync(path, lines.join("")) };
    },
    readLines: (path) => createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity }),
  };
}

describe("the hash chain", () => {
  it("a full workflow verifies: every entry chained to the one before, the head recorded atomically and in the index", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    expect(await verify(h, id)).toEqual({ ok: true, entries: DEADLINE_TRAIL.length });
    const entries = await h.app.audit.readStream(id);
    expect(entries.map((entry) => entry.sequence)).toEqual(DEADLINE_TRAIL.map((_, index) => index));
    for (const [index, entry] of entries.entries()) {
      expect(entry.hash).toBe(auditEntryHash(entry));
      if (index) expect(entry.prevHash).toBe(entries[index - 1]!.hash);
    }
    expect(await h.app.auditIndex.get(id)).toMatchObject({
      requestId: id,
      cluster: WEU,
      requester: "alice@contoso.dev",
      closedHead: { entries: entries.length, hash: entries.at(-1)!.hash, sealed: true },
    });
    // The API shows the chain.
    const shown = (await h.call(h.app.api.readAudit, { as: "bob", query: { requestId: id } })).body as {
      entries: { sequence: number; prevHash: string; hash: string }[];
    };
    expect(shown.entries[1]).toMatchObject({ sequence: 1, prevHash: entries[0]!.hash, hash: entries[1]!.hash });
  });

  it("detects an edited field: the entry is named", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    await h
      .table("Audit")
      .updateEntity({ partitionKey: id, rowKey: "000003", at: "2026-11-28T09:00:00.000Z" }, "Merge");
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: expect.stringContaining("does not match its hash"),
    });
  });

  it("detects an edited entry whose hash was recomputed: the next entry no longer follows it", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    const [, , , fourth] = await h.app.audit.readStream(id);
    const forged = { ...fourth!, outcome: "refused" as const };
    await h
      .table("Audit")
      .updateEntity({ partitionKey: id, rowKey: "000003", outcome: "refused", hash: auditEntryHash(forged) }, "Merge");
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringContaining("does not follow entry 3"),
    });
  });

  it("detects deleting the last entry", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    await h.table("Audit").deleteEntity(id, String(DEADLINE_TRAIL.length - 1).padStart(6, "0"));
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      brokenAt: DEADLINE_TRAIL.length - 1,
      reason: expect.stringContaining("entries were deleted"),
    });
  });

  it("detects a trail deleted whole, head included, while the request was still open (the index still names it)", async () => {
    const h = await createHarness();
    const created = await h.call(h.app.api.createRequest, {
      as: "alice",
      json: { cluster: WEU, justification: "Entra outage", ticket: "INC-1", duration: "PT15M" },
    });
    const { id } = created.body as { id: string };
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
    expect((await h.app.requests.get(id))!.status).toBe("open");
    const table = h.table("Audit");
    for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${id}'` } }))
      await table.deleteEntity(id, row.rowKey!);
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      entries: 0,
      brokenAt: 0,
      reason: expect.stringContaining("its trail is empty"),
    });
  });

  it("detects deleting the last entry even when the head row is rewritten to match (its seal needs the app's key)", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    const entries = await h.app.audit.readStream(id);
    const table = h.table("Audit");
    await table.deleteEntity(id, entries.at(-1)!.key);
    await table.updateEntity(
      { partitionKey: id, rowKey: "head", entries: entries.length - 1, hash: entries.at(-2)!.hash },
      "Merge",
    );
    const verdict = await verify(h, id);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("not sealed with the app's key") });
  });

  it("detects a trail rolled back to a head copied while the window was open, and index seals copied from head rows", async () => {
    const h = await createHarness();
    const created = await h.call(h.app.api.createRequest, {
      as: "alice",
      json: { cluster: WEU, justification: "Entra outage", ticket: "INC-1", duration: "PT15M" },
    });
    const { id } = created.body as { id: string };
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
    const table = h.table("Audit");
    const index = h.table("AuditIndex");
    const body = ({ etag: _e, timestamp: _t, ...rest }: Record<string, unknown>) => rest;
    const headWhileOpen = body(await table.getEntity<Record<string, unknown>>(id, "head"));
    const indexWhileOpen = body(await index.getEntity<Record<string, unknown>>("request", id));
    await h.engine.advanceBy(15 * MINUTE);
    expect((await h.app.requests.get(id))!.status).toBe("closed");
    // Erase the lockdown: every entry after the open head goes, the old head and index row come back.
    for (const entry of (await h.app.audit.readStream(id)).slice(Number(headWhileOpen.entries)))
      await table.deleteEntity(id, entry.key);
    await table.upsertEntity(headWhileOpen as { partitionKey: string; rowKey: string }, "Replace");
    await index.updateEntity(
      {
        partitionKey: "request",
        rowKey: id,
        headEntries: headWhileOpen.entries,
        headHash: headWhileOpen.hash,
        headSeal: headWhileOpen.seal,
      },
      "Merge",
    );
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("index recorded at the end of the request is not sealed"),
    });
    await index.upsertEntity(indexWhileOpen as { partitionKey: string; rowKey: string }, "Replace");
    expect(await verify(h, id)).toMatchObject({ ok: true }); // just ended: the record of its end may still be on its way
    h.clock.advance(CLOSE_RECORD_GRACE_MS + MINUTE);
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      brokenAt: Number(headWhileOpen.entries),
      reason: expect.stringContaining("where its trail ended is not in the audit index"),
    });
  });

  it("detects a request's listing removed from the index; listings lost while it was open are restored when it ends", async () => {
    const h = await createHarness();
    const index = h.table("AuditIndex");
    const listings = async (id: string) => {
      const rows: { partitionKey: string; rowKey: string }[] = [];
      for await (const row of index.listEntities({ queryOptions: { filter: `RowKey ne '${id}'` } }))
        if (row.rowKey!.endsWith(id)) rows.push({ partitionKey: row.partitionKey!, rowKey: row.rowKey! });
      return rows;
    };
    const closed = await closedRequest(h);
    const [byCluster] = await listings(closed);
    await index.deleteEntity(byCluster!.partitionKey, byCluster!.rowKey);
    expect(await verify(h, closed)).toMatchObject({ ok: false, reason: expect.stringContaining("no longer find it") });

    const created = await h.call(h.app.api.createRequest, {
      as: "carol",
      json: { cluster: NEU, justification: "Entra outage", ticket: "INC-2", duration: "PT15M" },
    });
    const { id } = created.body as { id: string };
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
    for (const row of await listings(id)) await index.deleteEntity(row.partitionKey, row.rowKey);
    await h.engine.advanceBy(15 * MINUTE);
    expect(await listings(id)).toHaveLength(2);
    expect(await verify(h, id)).toEqual({ ok: true, entries: DEADLINE_TRAIL.length });
  });

  it("a request whose workflow has not started (or could not) has no trail to verify: 404, not a false alarm", async () => {
    const h = await createHarness({
      wrapWorkflow: (client) => ({
        ...client,
        startWindow: () => Promise.reject(new Error("task hub unavailable")),
        sendAction: client.sendAction.bind(client),
      }),
    });
    const refused = await h.call(h.app.api.createRequest, {
      as: "alice",
      json: { cluster: WEU, justification: "Entra outage", ticket: "INC-1", duration: "PT15M" },
    });
    expect(refused.status).toBe(503);
    const [failed] = await h.app.requests.list({});
    expect(failed).toMatchObject({ status: "failed", outcome: { code: "START_FAILED" } });
    expect((await h.call(h.app.api.verifyAudit, { as: "bob", query: { requestId: failed!.id } })).status).toBe(404);
    // Stored, its workflow not yet at its first entry: pending, with nothing written.
    await h.app.requests.create({
      ...failed!,
      id: "bg-01m8gshv80v200jgzv74xjm1zr",
      status: "pending-approval",
      outcome: undefined,
    });
    expect(
      (await h.call(h.app.api.verifyAudit, { as: "bob", query: { requestId: "bg-01m8gshv80v200jgzv74xjm1zr" } }))
        .status,
    ).toBe(404);
    // Still pending hours after its deadline: something is wrong either way.
    h.clock.advance(24 * 60 * MINUTE);
    expect(await verify(h, "bg-01m8gshv80v200jgzv74xjm1zr")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("still pending hours after its approval deadline"),
    });
    // Once it got further, it had a trail: none now means it was deleted.
    await h.app.requests.recordProgress("bg-01m8gshv80v200jgzv74xjm1zr", {
      status: "denied",
      at: h.clock.date().toISOString(),
    });
    expect(await verify(h, "bg-01m8gshv80v200jgzv74xjm1zr")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("trail and its index entry are gone"),
    });
  });

  it("a trail whose request was deleted from the requests table is broken", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    const requests = h.table("Requests");
    for await (const row of requests.listEntities())
      if (JSON.stringify(row).includes(id)) await requests.deleteEntity(row.partitionKey!, row.rowKey!);
    expect(await h.app.requests.get(id)).toBeUndefined();
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("the request itself is gone"),
    });
  });

  it("a request whose whole trail and index entry were deleted is reported broken, not unknown", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    const table = h.table("Audit");
    for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${id}'` } }))
      await table.deleteEntity(id, row.rowKey!);
    const index = h.table("AuditIndex");
    for await (const row of index.listEntities())
      if (row.rowKey!.endsWith(id)) await index.deleteEntity(row.partitionKey!, row.rowKey!);
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      entries: 0,
      reason: expect.stringContaining("audit trail and its index entry are gone"),
    });
    const store = () => ({
      audit: h.app.audit,
      auditIndex: h.app.auditIndex,
      requests: h.app.requests,
      clusters: h.config.clusters,
    });
    expect(await runAuditCommand(["verify", "--request", id], store, io())).toBe(1);
  });

  it("detects two entries swapped between their row keys", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    const table = h.table("Audit");
    const third = await table.getEntity<Record<string, unknown>>(id, "000002");
    const fourth = await table.getEntity<Record<string, unknown>>(id, "000003");
    const body = ({ partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...rest }: Record<string, unknown>) => rest;
    await table.updateEntity({ partitionKey: id, rowKey: "000002", ...body(fourth) }, "Replace");
    await table.updateEntity({ partitionKey: id, rowKey: "000003", ...body(third) }, "Replace");
    expect(await verify(h, id)).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it("detects a forged entry inserted with a correct chain after the last one", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    const entries = await h.app.audit.readStream(id);
    const forged = requestAuditEntry(id, entries.length, entries.at(-1)!.hash, {
      type: "approved",
      at: "2026-11-28T10:20:00.000Z",
      actor: { oid: USERS.mallory.oid, upn: USERS.mallory.upn },
      cluster: WEU,
      outcome: "success",
    });
    await h.table("Audit").createEntity({
      partitionKey: id,
      rowKey: forged.key,
      type: forged.type,
      at: forged.at,
      actorOid: USERS.mallory.oid,
      actorUpn: USERS.mallory.upn,
      cluster: WEU,
      outcome: "success",
      code: "",
      message: "",
      details: "",
      sequence: forged.sequence,
      prevHash: forged.prevHash,
      hash: forged.hash,
    });
    expect(await verify(h, id)).toMatchObject({
      ok: false,
      brokenAt: entries.length,
      reason: expect.stringContaining("follow the recorded head"),
    });
  });

  it("a retried append is a duplicate; a different entry under a used key is refused and raises an integrity alert", async () => {
    const h = await createHarness({ env: { BREAKGLASS_ALERT_EMAILS: "secops@contoso.dev" } });
    const id = await closedRequest(h);
    const [first] = await h.app.audit.readStream(id);
    expect(await h.app.activities.appendAuditEntry(first!)).toEqual({ kind: "duplicate" });
    // A row edited by hand, its hash column left alone, is not the entry being retried.
    const [, second] = await h.app.audit.readStream(id);
    await h.table("Audit").updateEntity({ partitionKey: id, rowKey: second!.key, outcome: "failure" }, "Merge");
    expect(await h.app.activities.appendAuditEntry(second!)).toMatchObject({
      kind: "conflict",
      existing: { outcome: "failure", hash: second!.hash },
    });
    await h.table("Audit").updateEntity({ partitionKey: id, rowKey: second!.key, outcome: second!.outcome }, "Merge");
    const other: AuditEntry = requestAuditEntry(id, 0, first!.prevHash!, {
      type: "requested",
      at: first!.at,
      actor: null,
      cluster: WEU,
      outcome: "info",
      message: "rewritten",
    });
    expect(await h.app.activities.appendAuditEntry(other)).toMatchObject({ kind: "conflict", existing: first });
    const alert = (await h.world.outbox.list(id)).find(
      (message) => message.kind === "audit-conflict" && message.channel === "email",
    )!;
    expect(alert).toMatchObject({
      severity: "critical",
      recipients: expect.arrayContaining(["secops@contoso.dev", "bob@contoso.dev"]),
    });
    expect(await verify(h, id)).toMatchObject({ ok: true });
  });

  it("a trail read while its workflow keeps appending is judged as of one head, never as broken", async () => {
    const id = "bg-01m8gshv80v200jgzv74xjm1zr";
    const chain: AuditEntry[] = [];
    const append = () => {
      const at = new Date(Date.UTC(2026, 10, 28, 10, chain.length)).toISOString();
      chain.push(
        requestAuditEntry(id, chain.length, chain.at(-1)?.hash ?? streamGenesis(id), {
          type: "lockdown-retry",
          at,
          actor: null,
          cluster: WEU,
          outcome: "failure",
          code: "ARM_503",
        }),
      );
    };
    append();
    // An entry is appended just after every read of the stream: the head read next is always ahead.
    const audit = {
      append: () => Promise.reject(new Error("read only")),
      readStream: () => {
        const entries = [...chain];
        append();
        return Promise.resolve(entries);
      },
      readHead: () => Promise.resolve({ entries: chain.length, hash: chain.at(-1)!.hash, sealed: true }),
    };
    const auditIndex = {
      get: () =>
        Promise.resolve({
          requestId: id,
          cluster: WEU,
          requestedAt: chain[0]!.at,
          requester: "alice@contoso.dev",
          findable: true,
        }),
    };
    const running = { id, status: "open", updatedAt: chain[0]!.at } as EmergencyRequest; // only what verification reads
    const trail = await readRequestTrail(
      { audit, auditIndex, requests: { get: () => Promise.resolve(running) } },
      id,
      new Date(),
    );
    expect(trail.verdict).toEqual({ ok: true, entries: trail.head!.entries });
    expect(trail.entries).toHaveLength(trail.head!.entries);
  });

  it("fifty concurrent workflows: no entry lost, every chain verifies", async () => {
    const h = await createHarness({ env: { BREAKGLASS_GROUP_MAX_MEMBERS: "100" } });
    const requesters = Array.from({ length: 25 }, (_, index) => ({
      oid: `e0000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
      upn: `engineer${index}@contoso.dev`,
      displayName: `Engineer ${index}`,
      mail: `engineer${index}@contoso.dev`,
      accountEnabled: true,
    }));
    for (const user of requesters) {
      await h.world.directory.addUser(user);
      await h.world.directory.addMember(h.config.emergencyGroupId, user.oid);
    }
    const ids = await Promise.all(
      requesters.flatMap((user) =>
        [WEU, NEU].map(async (cluster) => {
          const token = (await h.world.tokens.issue(user, h.clock.date())).access_token;
          const created = await h.call(h.app.api.createRequest, {
            headers: { authorization: `Bearer ${token}` },
            json: { cluster, justification: "load", ticket: "INC-50", duration: "PT15M" },
          });
          expect(created.status).toBe(202);
          return (created.body as { id: string }).id;
        }),
      ),
    );
    await Promise.all(ids.map((id) => h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })));
    await h.engine.advanceBy(60 * MINUTE); // windows that waited for their cluster's lease opened (and close) later
    for (const id of ids) {
      expect((await h.app.requests.get(id))!.status).toBe("closed");
      // The index holds the orchestrator's own count of what it wrote: a verified trail lost nothing.
      const { closedHead } = (await h.app.auditIndex.get(id))!;
      expect(await verify(h, id)).toEqual({ ok: true, entries: closedHead!.entries });
      expect((await h.app.audit.readStream(id)).at(-1)!.type).toBe("closed");
    }
    expect(await h.localAccounts(WEU)).toBe("disabled");
  });
});

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

describe("the command line", () => {
  it("verify --request: 0 when the trail holds, 1 when it was edited, 2 for an unknown request", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    const store = () => ({
      audit: h.app.audit,
      auditIndex: h.app.auditIndex,
      requests: h.app.requests,
      clusters: h.config.clusters,
    });
    const ok = io();
    expect(await runAuditCommand(["verify", "--request", id], store, ok)).toBe(0);
    expect(ok.out.join("")).toBe(`${id}: ok, ${DEADLINE_TRAIL.length} entries\n`);
    await h.table("Audit").updateEntity({ partitionKey: id, rowKey: "000005", message: "nothing to see" }, "Merge");
    const broken = io();
    expect(await runAuditCommand(["verify", "--request", id], store, broken)).toBe(1);
    expect(broken.out.join("")).toContain("BROKEN at entry 5");
    expect(await runAuditCommand(["verify", "--request", "bg-01m8gshv80v200jgzv74xjm1zr"], store, io())).toBe(2);
    const usage = io();
    expect(await runAuditCommand(["verify", "--request", "nope"], store, usage)).toBe(2);
    expect(usage.err.join("")).toContain("usage:");
    expect(await runAuditCommand(["export", "--from", "2026-11-28"], store, io())).toBe(2);
    expect(await runAuditCommand(["frobnicate"], store, io())).toBe(2);
    expect(await runAuditCommand(["verify", "--unknown-flag"], store, io())).toBe(2);
    const both = io();
    expect(await runAuditCommand(["verify", "--request", id, "--stream", "groups-2026-11-28"], store, both)).toBe(2);
    expect(both.err.join("")).toContain("one of --request, --stream or --file");
  });

  it("export round trip: the JSONL re-verifies offline, and an edited line is caught; CSV has one row per entry", async () => {
    const h = await createHarness();
    const ids = [await closedRequest(h, "alice"), await closedRequest(h, "carol", NEU)];
    await h.app.groupWatch.run(); // the daily streams: a baseline per group and the run in groups-…
    expect((await h.call(h.app.api.readAudit, { as: "mallory", query: { requestId: ids[0]! } })).status).toBe(403); // and a refusal in security-…
    const store = () => ({
      audit: h.app.audit,
      auditIndex: h.app.auditIndex,
      requests: h.app.requests,
      clusters: h.config.clusters,
    });
    const jsonl = join(scratch, `${h.tablePrefix}.jsonl`);
    const exported = io();
    expect(
      await runAuditCommand(["export", "--from", "2026-11-28", "--to", "2026-11-29", "--out", jsonl], store, exported),
    ).toBe(0);
    expect(exported.err.join("")).toContain(progressBar(2, 2));
    expect(exported.err.join("")).toContain(progressBar(1, 1, undefined, "days"));
    expect(exported.err.join("")).toContain("exported 2 request(s) and 4 entries of the daily streams");
    const lines = readFileSync(jsonl, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2 * (DEADLINE_TRAIL.length + 1) + 4);

    const offline = io();
    expect(await runAuditCommand(["verify", "--file", jsonl], store, offline)).toBe(0);
    expect(offline.out.join("")).toContain(`${ids[0]}: ok, ${DEADLINE_TRAIL.length} entries`);
    expect(offline.out.join("")).toContain("groups-2026-11-28: ok, 3 entries");
    expect(offline.out.join("")).toContain("2 request(s) and 2 daily stream(s) verified offline, 0 broken");
    const edit = (from: string, to: string) =>
      lines.map((line) => (line.includes(from) ? line.replace(from, to) : line)).join("\n");
    writeFileSync(
      jsonl,
      edit(
        '"actor":{"oid":"b0b00000-0000-4000-8000-000000000002","upn":"bob@contoso.dev"},"cluster"',
        '"actor":{"oid":"b0b00000-0000-4000-8000-000000000002","upn":"mallory@contoso.dev"},"cluster"',
      ),
    );
    const tampered = io();
    expect(await runAuditCommand(["verify", "--file", jsonl], store, tampered)).toBe(1);
    expect(tampered.out.join("")).toMatch(/BROKEN at entry \d+ of \d+: entry \d+ does not match its hash/);
    writeFileSync(jsonl, edit('"upn":"mallory@contoso.dev"},"cluster":""', '"upn":"alice@contoso.dev"},"cluster":""'));
    const refusalEdited = io();
    expect(await runAuditCommand(["verify", "--file", jsonl], store, refusalEdited)).toBe(1);
    expect(refusalEdited.out.join("")).toContain(
      "security-2026-11-28: BROKEN at entry 0 of 1: entry 0 does not match its hash",
    );
    const online = io();
    expect(await runAuditCommand(["verify", "--stream", "groups-2026-11-28"], store, online)).toBe(0);
    expect(online.out.join("")).toBe("groups-2026-11-28: ok, 3 entries\n");
    expect(await runAuditCommand(["verify", "--stream", "watchdog-2026-11-27"], store, io())).toBe(2);
    expect(await runAuditCommand(["verify", "--stream", "nonsense-2026-11-28"], store, io())).toBe(2);

    // A trail cut short with its head rewritten to match: the chain alone holds, the seal does not.
    const table = h.table("Audit");
    const entries = await h.app.audit.readStream(ids[1]!);
    await table.deleteEntity(ids[1]!, entries.at(-1)!.key);
    await table.updateEntity(
      { partitionKey: ids[1]!, rowKey: "head", entries: entries.length - 1, hash: entries.at(-2)!.hash },
      "Merge",
    );
    const cut = io();
    expect(
      await runAuditCommand(["export", "--from", "2026-11-28", "--to", "2026-11-29", "--out", jsonl], store, cut),
    ).toBe(1);
    expect(cut.err.join("")).toContain(`${ids[1]}: BROKEN`);
    expect(cut.err.join("")).toContain("1 trail(s) do NOT verify");

    // A request whose listings were deleted from the index: the requests table still has it.
    const index = h.table("AuditIndex");
    for await (const row of index.listEntities())
      if (row.partitionKey !== "request" && row.rowKey!.endsWith(ids[0]!))
        await index.deleteEntity(row.partitionKey!, row.rowKey!);
    const unlisted = io();
    expect(
      await runAuditCommand(["export", "--from", "2026-11-28", "--to", "2026-11-29", "--out", jsonl], store, unlisted),
    ).toBe(1);
    expect(unlisted.err.join("")).toContain(`${ids[0]}: BROKEN at entry 0`);
    expect(readFileSync(jsonl, "utf8")).toContain(`"record":"request","requestId":"${ids[0]}"`);

    const csv = io();
    expect(
      await runAuditCommand(
        ["export", "--from", "2026-11-28", "--to", "2026-11-29", "--format", "csv", "--cluster", "aks-prod-weu"],
        store,
        csv,
      ),
    ).toBe(1);
    const rows = csv.out.join("").trim().split("\n");
    expect(rows[0]).toBe(
      "stream,sequence,at,type,actorOid,actorUpn,cluster,outcome,code,message,details,prevHash,hash",
    );
    expect(rows).toHaveLength(1 + DEADLINE_TRAIL.length);
  });

  it("CSV: a cell a spreadsheet would run as a formula is written as text; commas and quotes are quoted", () => {
    const entry = requestAuditEntry("bg-01m8gshv80v200jgzv74xjm1zr", 0, "0".repeat(64), {
      type: "lockdown-retry",
      at: "2026-11-28T10:00:00.000Z",
      actor: null,
      cluster: WEU,
      outcome: "failure",
      code: "-1",
      message: '=HYPERLINK("https://evil.example","click"), then @SUM(A1)',
    });
    const row = csvRow(entry);
    expect(row).toContain(`,failure,'-1,"'=HYPERLINK(""https://evil.example"",""click""), then @SUM(A1)",`);
    expect(row).toContain(`,lockdown-retry,,,${WEU},`); // no actor: empty cells
  });

  it("draws a progress bar", () => {
    expect(progressBar(0, 4, 8)).toBe("[        ] 0/4 requests");
    expect(progressBar(2, 4, 8)).toBe("[####    ] 2/4 requests");
    expect(progressBar(0, 0, 4)).toBe("[####] 0/0 requests");
  });
});
