// Requests with a whole audit trail, and the API and the command line that judge it.
import { createReadStream, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { expect } from "vitest";
import type { CliIo, CliStore } from "../../src/cli/audit.js";
import { MINUTE, WEU, type Harness } from "./harness.js";

/** A request that went all the way: requested, approved, opened, locked at the deadline. */
export async function closedRequest(
  h: Harness,
  as: "alice" | "carol" = "alice",
  cluster: string = WEU,
): Promise<string> {
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

/** The trail's verdict over the API, as an approver asks for it. */
export async function verifyTrail(h: Harness, requestId: string) {
  const reply = await h.call(h.app.api.verifyAudit, { as: "bob", query: { requestId } });
  expect(reply.status).toBe(200);
  return reply.body as { ok: boolean; entries: number; brokenAt?: number; reason?: string };
}

/** The command line's terminal and files, with what it wrote kept. */
export function cliIo(): CliIo & { out: string[]; err: string[] } {
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

/** The stores the command line reads, as a harness's app holds them. */
export function cliStore(h: Harness): () => CliStore {
  return () => ({
    audit: h.app.audit,
    auditIndex: h.app.auditIndex,
    requests: h.app.requests,
    clusters: h.config.clusters,
  });
}
