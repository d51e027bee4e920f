// The tamper-evident audit trail against Azurite: whole workflows, then edits made directly in the
// table the way someone with the storage key could make them, and the verdicts of the API and the
// command line.
import { describe, expect, it } from "vitest";
import { auditEntryHash, requestAuditEntry, streamGenesis } from "../../../src/domain/auditChain.js";
import { CLOSE_RECORD_GRACE_MS, readRequestTrail } from "../../../src/audit/verification.js";
import { runAuditCommand } from "../../../src/cli/audit.js";
import type { AuditEntry } from "../../../src/domain/audit.js";
import type { EmergencyRequest } from "../../../src/domain/request.js";
import { closedRequest, cliIo, cliStore, verifyTrail } from "../../support/audit.js";
import { createHarness, MINUTE, NEU, USERS, WEU } from "../../support/harness.js";
import { DEADLINE_TRAIL } from "../../support/trails.js";

describe("the hash chain", () => {
  it("a full workflow verifies: every entry chained to the one before, the head recorded atomically and in the index", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    expect(await verifyTrail(h, id)).toEqual({ ok: true, entries: DEADLINE_TRAIL.length });
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
    expect(await verifyTrail(h, id)).toMatchObject({
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
    expect(await verifyTrail(h, id)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringContaining("does not follow entry 3"),
    });
  });

  it("detects deleting the last entry", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    await h.table("Audit").deleteEntity(id, String(DEADLINE_TRAIL.length - 1).padStart(6, "0"));
    expect(await verifyTrail(h, id)).toMatchObject({
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
    expect(await verifyTrail(h, id)).toMatchObject({
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
    const verdict = await verifyTrail(h, id);
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
    expect(await verifyTrail(h, id)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("index recorded at the end of the request is not sealed"),
    });
    await index.upsertEntity(indexWhileOpen as { partitionKey: string; rowKey: string }, "Replace");
    expect(await verifyTrail(h, id)).toMatchObject({ ok: true }); // just ended: the record of its end may still be on its way
    h.clock.advance(CLOSE_RECORD_GRACE_MS + MINUTE);
    expect(await verifyTrail(h, id)).toMatchObject({
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
    expect(await verifyTrail(h, closed)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("no longer find it"),
    });

    const created = await h.call(h.app.api.createRequest, {
      as: "carol",
      json: { cluster: NEU, justification: "Entra outage", ticket: "INC-2", duration: "PT15M" },
    });
    const { id } = created.body as { id: string };
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
    for (const row of await listings(id)) await index.deleteEntity(row.partitionKey, row.rowKey);
    await h.engine.advanceBy(15 * MINUTE);
    expect(await listings(id)).toHaveLength(2);
    expect(await verifyTrail(h, id)).toEqual({ ok: true, entries: DEADLINE_TRAIL.length });
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
    expect(await verifyTrail(h, "bg-01m8gshv80v200jgzv74xjm1zr")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("still pending hours after its approval deadline"),
    });
    // Once it got further, it had a trail: none now means it was deleted.
    await h.app.requests.recordProgress("bg-01m8gshv80v200jgzv74xjm1zr", {
      status: "denied",
      at: h.clock.date().toISOString(),
    });
    expect(await verifyTrail(h, "bg-01m8gshv80v200jgzv74xjm1zr")).toMatchObject({
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
    expect(await verifyTrail(h, id)).toMatchObject({
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
    expect(await verifyTrail(h, id)).toMatchObject({
      ok: false,
      entries: 0,
      reason: expect.stringContaining("audit trail and its index entry are gone"),
    });
    const store = cliStore(h);
    expect(await runAuditCommand(["verify", "--request", id], store, cliIo())).toBe(1);
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
    expect(await verifyTrail(h, id)).toMatchObject({ ok: false, brokenAt: 2 });
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
    expect(await verifyTrail(h, id)).toMatchObject({
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
    expect(await verifyTrail(h, id)).toMatchObject({ ok: true });
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
    const requesters = await h.addEngineers(25);
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
      expect(await verifyTrail(h, id)).toEqual({ ok: true, entries: closedHead!.entries });
      expect((await h.app.audit.readStream(id)).at(-1)!.type).toBe("closed");
    }
    expect(await h.localAccounts(WEU)).toBe("disabled");
  });
});
