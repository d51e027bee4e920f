// The audit command line against Azurite: verify, and an export that re-verifies offline.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { progressBar, runAuditCommand } from "../../../src/cli/audit.js";
import { closedRequest, cliIo, cliStore } from "../../support/audit.js";
import { createHarness, NEU } from "../../support/harness.js";
import { DEADLINE_TRAIL } from "../../support/trails.js";

const scratch = mkdtempSync(join(tmpdir(), "breakglass-audit-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the command line", () => {
  it("verify --request: 0 when the trail holds, 1 when it was edited, 2 for an unknown request", async () => {
    const h = await createHarness();
    const id = await closedRequest(h);
    const store = cliStore(h);
    const ok = cliIo();
    expect(await runAuditCommand(["verify", "--request", id], store, ok)).toBe(0);
    expect(ok.out.join("")).toBe(`${id}: ok, ${DEADLINE_TRAIL.length} entries\n`);
    await h.table("Audit").updateEntity({ partitionKey: id, rowKey: "000005", message: "nothing to see" }, "Merge");
    const broken = cliIo();
    expect(await runAuditCommand(["verify", "--request", id], store, broken)).toBe(1);
    expect(broken.out.join("")).toContain("BROKEN at entry 5");
    expect(await runAuditCommand(["verify", "--request", "bg-01m8gshv80v200jgzv74xjm1zr"], store, cliIo())).toBe(2);
    const usage = cliIo();
    expect(await runAuditCommand(["verify", "--request", "nope"], store, usage)).toBe(2);
    expect(usage.err.join("")).toContain("usage:");
    expect(await runAuditCommand(["export", "--from", "2026-11-28"], store, cliIo())).toBe(2);
    expect(await runAuditCommand(["frobnicate"], store, cliIo())).toBe(2);
    expect(await runAuditCommand(["verify", "--unknown-flag"], store, cliIo())).toBe(2);
    const both = cliIo();
    expect(await runAuditCommand(["verify", "--request", id, "--stream", "groups-2026-11-28"], store, both)).toBe(2);
    expect(both.err.join("")).toContain("one of --request, --stream or --file");
  });

  it("export round trip: the JSONL re-verifies offline, and an edited line is caught; CSV has one row per entry", async () => {
    const h = await createHarness();
    const ids = [await closedRequest(h, "alice"), await closedRequest(h, "carol", NEU)];
    await h.app.groupWatch.run(); // the daily streams: a baseline per group and the run in groups-…
    expect((await h.call(h.app.api.readAudit, { as: "mallory", query: { requestId: ids[0]! } })).status).toBe(403); // and a refusal in security-…
    const store = cliStore(h);
    const jsonl = join(scratch, `${h.tablePrefix}.jsonl`);
    const exported = cliIo();
    expect(
      await runAuditCommand(["export", "--from", "2026-11-28", "--to", "2026-11-29", "--out", jsonl], store, exported),
    ).toBe(0);
    expect(exported.err.join("")).toContain(progressBar(2, 2));
    expect(exported.err.join("")).toContain(progressBar(1, 1, undefined, "days"));
    expect(exported.err.join("")).toContain("exported 2 request(s) and 4 entries of the daily streams");
    const lines = readFileSync(jsonl, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2 * (DEADLINE_TRAIL.length + 1) + 4);

    const offline = cliIo();
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
    const tampered = cliIo();
    expect(await runAuditCommand(["verify", "--file", jsonl], store, tampered)).toBe(1);
    expect(tampered.out.join("")).toMatch(/BROKEN at entry \d+ of \d+: entry \d+ does not match its hash/);
    writeFileSync(jsonl, edit('"upn":"mallory@contoso.dev"},"cluster":""', '"upn":"alice@contoso.dev"},"cluster":""'));
    const refusalEdited = cliIo();
    expect(await runAuditCommand(["verify", "--file", jsonl], store, refusalEdited)).toBe(1);
    expect(refusalEdited.out.join("")).toContain(
      "security-2026-11-28: BROKEN at entry 0 of 1: entry 0 does not match its hash",
    );
    const online = cliIo();
    expect(await runAuditCommand(["verify", "--stream", "groups-2026-11-28"], store, online)).toBe(0);
    expect(online.out.join("")).toBe("groups-2026-11-28: ok, 3 entries\n");
    expect(await runAuditCommand(["verify", "--stream", "watchdog-2026-11-27"], store, cliIo())).toBe(2);
    expect(await runAuditCommand(["verify", "--stream", "nonsense-2026-11-28"], store, cliIo())).toBe(2);

    // A trail cut short with its head rewritten to match: the chain alone holds, the seal does not.
    const table = h.table("Audit");
    const entries = await h.app.audit.readStream(ids[1]!);
    await table.deleteEntity(ids[1]!, entries.at(-1)!.key);
    await table.updateEntity(
      { partitionKey: ids[1]!, rowKey: "head", entries: entries.length - 1, hash: entries.at(-2)!.hash },
      "Merge",
    );
    const cut = cliIo();
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
    const unlisted = cliIo();
    expect(
      await runAuditCommand(["export", "--from", "2026-11-28", "--to", "2026-11-29", "--out", jsonl], store, unlisted),
    ).toBe(1);
    expect(unlisted.err.join("")).toContain(`${ids[0]}: BROKEN at entry 0`);
    expect(readFileSync(jsonl, "utf8")).toContain(`"record":"request","requestId":"${ids[0]}"`);

    const csv = cliIo();
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
});
