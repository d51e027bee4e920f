import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import {
  auditEntryHash,
  isSealed,
  requestAuditEntry,
  sealHead,
  streamGenesis,
  verifyChain,
} from "../../../src/domain/auditChain.js";
import { advanceHead, canonicalJson, type AuditEntry } from "../../../src/domain/audit.js";

const STREAM = "bg-01m8gshv80v200jgzv74xjm1zr";
const fields = (type: AuditEntry["type"]) => ({
  type,
  at: "2026-11-28T10:00:00.000Z",
  actor: null,
  cluster: "/subscriptions/x",
  outcome: "info" as const,
});

function chain(length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let sequence = 0; sequence < length; sequence++) {
    entries.push(
      requestAuditEntry(
        STREAM,
        sequence,
        entries.at(-1)?.hash ?? streamGenesis(STREAM),
        fields(sequence ? "approved" : "requested"),
      ),
    );
  }
  return entries;
}
const headOf = (entries: readonly AuditEntry[]) => ({ entries: entries.length, hash: entries.at(-1)!.hash });

describe("the audit chain", () => {
  it("hashes canonical content: member order does not matter, any change does", () => {
    const [entry] = chain(1);
    expect(entry!.hash).toBe(auditEntryHash({ ...entry!, hash: "ignored" }));
    expect(auditEntryHash({ ...entry!, outcome: "failure" })).not.toBe(entry!.hash);
  });

  it("verifies an intact chain against its head", () => {
    const entries = chain(4);
    expect(verifyChain(STREAM, entries, headOf(entries))).toEqual({ ok: true, entries: 4 });
    expect(verifyChain(STREAM, [], undefined)).toEqual({ ok: true, entries: 0 });
  });

  it("names the first entry that no longer fits", () => {
    const entries = chain(5);
    const head = headOf(entries);
    expect(verifyChain(STREAM, [...entries.slice(0, 2), ...entries.slice(3)], head)).toMatchObject({
      ok: false,
      brokenAt: 2,
    }); // one removed
    expect(verifyChain(STREAM, entries.slice(0, 4), head)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringContaining("deleted"),
    });
    expect(verifyChain(STREAM, entries, { ...head, entries: 4 })).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringContaining("inserted"),
    });
    expect(verifyChain("bg-00000000000000000000000000", entries, head)).toMatchObject({ ok: false, brokenAt: 0 }); // moved to another stream
    expect(verifyChain(STREAM, entries, undefined)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("no head"),
    });
  });

  it("moves the head forward only: an entry written late does not move it back", () => {
    const entries = chain(3);
    expect(advanceHead(undefined, entries[0]!)).toEqual({ entries: 1, hash: entries[0]!.hash });
    expect(advanceHead({ entries: 3, hash: entries[2]!.hash }, entries[1]!)).toBeUndefined();
  });

  it("seals heads with a key: another key, or another head, does not verify", () => {
    const key = new Uint8Array(32).fill(1);
    const head = headOf(chain(2));
    const seal = sealHead(key, "current", STREAM, head);
    expect(isSealed(key, "current", STREAM, head, seal)).toBe(true);
    expect(isSealed(new Uint8Array(32).fill(2), "current", STREAM, head, seal)).toBe(false);
    expect(isSealed(key, "current", STREAM, { ...head, entries: 1 }, seal)).toBe(false);
    expect(isSealed(key, "current", STREAM, head, "not-hex")).toBe(false);
    expect(isSealed(key, "closed", STREAM, head, seal)).toBe(false); // a current head's seal does not vouch for the end
    // A seal of the first release (no purpose in it) is still the app's.
    const legacy = createHmac("sha256", key)
      .update(canonicalJson({ stream: STREAM, entries: head.entries, hash: head.hash }))
      .digest("hex");
    expect(isSealed(key, "current", STREAM, head, legacy)).toBe(true);
    expect(isSealed(key, "closed", STREAM, head, legacy)).toBe(true);
    expect(isSealed(new Uint8Array(32).fill(2), "current", STREAM, head, legacy)).toBe(false);
  });
});
