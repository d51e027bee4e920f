import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../../src/domain/audit.js";
import { EVIDENCE_ITEM_LIMIT, summarizeAdminCalls, type AdminCall } from "../../../src/domain/evidence.js";
import {
  collectedCaveat,
  decideEvidenceStatus,
  evidenceDetails,
  evidenceOverdue,
  keptCalls,
  NOT_COLLECTED,
} from "../../../src/domain/evidenceRecord.js";
import type { EmergencyRequest } from "../../../src/domain/request.js";
import { AZURE_EVIDENCE_PLAN } from "../../../src/domain/evidence.js";

const call = (index: number, fields: Partial<AdminCall> = {}): AdminCall => ({
  id: `audit-${String(index).padStart(3, "0")}`,
  at: `2026-11-28T10:${String(index % 60).padStart(2, "0")}:00.000Z`,
  verb: "delete",
  resource: "pods",
  namespace: "kube-system",
  name: `coredns-${index}`,
  user: "masterclient",
  sourceIp: "10.0.0.4",
  status: 200,
  ...fields,
});
const span = { from: "2026-11-28T10:00:00.000Z", to: "2026-11-28T11:00:00.000Z" };
/** Table Storage holds 64 KiB of UTF-16 in one property: two bytes per code unit. */
const PROPERTY_LIMIT_UNITS = (64 * 1024) / 2;

describe("evidence in an audit entry", () => {
  it("keeps the counts, the span and the first calls in full, as canonical JSON strings that read back", () => {
    const calls = Array.from({ length: 60 }, (_, index) => call(index));
    const details = evidenceDetails({ summary: summarizeAdminCalls(calls), settled: true, ...span });
    expect(details).toMatchObject({ entries: 60, truncated: false, settled: true, groups: 1, ...span });
    expect(JSON.parse(String(details.counts))).toEqual([
      { verb: "delete", resource: "pods", namespace: "kube-system", count: 60 },
    ]);
    const kept = keptCalls(details);
    expect(kept).toEqual(calls.slice(0, kept.length));
    expect(kept.length).toBeLessThanOrEqual(EVIDENCE_ITEM_LIMIT);
    expect(details.omitted).toBe(60 - kept.length);
    expect(Object.values(details).every((value) => ["string", "number", "boolean"].includes(typeof value))).toBe(true);
  });

  it("stays well under Table Storage's property limit with hostile 256-character fields on every call", () => {
    const hostile = '"\\\u0000<script>'.repeat(40);
    const fields = { verb: hostile, resource: hostile, namespace: hostile, name: hostile, sourceIp: hostile };
    const calls = Array.from({ length: EVIDENCE_ITEM_LIMIT }, (_, index) =>
      call(index, { ...fields, id: `${hostile}${index}` }),
    );
    const details = evidenceDetails({ summary: summarizeAdminCalls(calls), settled: true, ...span });
    // Stored as JSON in one property, as the audit table writes it.
    expect(JSON.stringify(details).length).toBeLessThan(PROPERTY_LIMIT_UNITS * 0.75);
    const kept = keptCalls(details);
    expect(kept.length).toBeGreaterThan(0);
    expect(details.omitted).toBe(EVIDENCE_ITEM_LIMIT - kept.length);
    expect(kept[0]!.verb).toBe(`${hostile.slice(0, 255)}…`);
  });

  it("says why a collected entry may not be the whole story", () => {
    expect(collectedCaveat({ entries: 3, omitted: 0, truncated: false, settled: true }, undefined)).toBeUndefined();
    expect(collectedCaveat({ entries: 9, omitted: 2, truncated: true, settled: false }, "EVIDENCE_UNSETTLED")).toBe(
      "the log answered at its row limit: there may be more calls; calls were still arriving in the log when collection stopped: later ones may be missing; 2 call(s) counted but not kept in full",
    );
    const gap = "the log answered only in part: PartialError: a workspace failed";
    const details = evidenceDetails({ summary: summarizeAdminCalls([]), settled: true, ...span, gap });
    expect(details.gap).toBe(gap);
    expect(collectedCaveat(details, undefined)).toBe(gap);
  });

  it("skips kept values that are not calls", () => {
    expect(keptCalls({ call01: "not json", call02: '{"verb":1}', call03: 7, other: JSON.stringify(call(1)) })).toEqual(
      [],
    );
  });
});

describe("the evidence status of a request", () => {
  const window = { openedAt: span.from, closesAt: span.to, closedAt: span.to };
  const entry = (type: AuditEntry["type"], fields: Partial<AuditEntry> = {}): AuditEntry => ({
    type,
    stream: "bg-1",
    key: "1",
    at: span.to,
    actor: null,
    cluster: "c",
    outcome: "info",
    hash: "h",
    ...fields,
  });
  const request = (status: EmergencyRequest["status"], withWindow = true) => ({
    status,
    ...(withWindow ? { window } : {}),
    outcome: { code: "DENIED" as const, message: "denied by Bob", at: span.to },
  });
  const collecting = { collecting: true, trailClosed: false };

  it.each([
    ["pending while the window is open", request("open"), [], collecting, { status: "pending" }],
    [
      "pending while it is collected after the close",
      request("closed"),
      [entry("closed")],
      collecting,
      { status: "pending" },
    ],
    [
      "unavailable when no window opened",
      request("denied", false),
      [],
      collecting,
      { status: "unavailable", reason: "no window was opened (the request is denied: denied by Bob)" },
    ],
    [
      "pending for a failed enable whose workflow still runs (it may have landed)",
      request("failed", false),
      [entry("locked")],
      collecting,
      { status: "pending" },
    ],
    [
      "unavailable for a failed request once its trail is closed",
      request("failed", false),
      [entry("locked")],
      { collecting: true, trailClosed: true },
      { status: "unavailable", reason: "no window was opened (the request is failed: denied by Bob)" },
    ],
    [
      "unavailable, with the entry's message",
      request("closed"),
      [entry("evidence-unavailable", { code: "KUBE_AUDIT_OFF", message: "no diagnostic setting" })],
      collecting,
      { status: "unavailable", reason: "no diagnostic setting" },
    ],
    [
      "unavailable without a plan",
      request("closed"),
      [],
      { collecting: false, trailClosed: true },
      { status: "unavailable", reason: NOT_COLLECTED },
    ],
    [
      "unavailable when the collection should long have ended (its workflow was lost)",
      request("closed"),
      [entry("closed")],
      { ...collecting, overdue: true },
      {
        status: "unavailable",
        reason: "the collection did not finish: the request's workflow stopped before it recorded the evidence",
      },
    ],
    [
      "unavailable when the workflow ended without an entry",
      request("closed"),
      [],
      { collecting: true, trailClosed: true },
      { status: "unavailable", reason: "the workflow ended without recording the evidence it collected" },
    ],
  ] as const)("%s", (_name, asked, entries, facts, expected) => {
    expect(decideEvidenceStatus(asked, entries, facts)).toEqual(expected);
  });

  it("collected, from the entry", () => {
    const collected = entry("evidence-collected", { details: { entries: 3 } });
    expect(decideEvidenceStatus(request("closed"), [entry("closed"), collected], collecting)).toEqual({
      status: "collected",
      entry: collected,
    });
  });
});

describe("a collection that should long have ended", () => {
  const closedAt = "2026-11-28T11:00:00.000Z";
  const at = (minutes: number) => new Date(Date.parse(closedAt) + minutes * 60_000);
  const closed = {
    status: "closed" as const,
    window: { openedAt: "2026-11-28T10:00:00.000Z", closesAt: closedAt, closedAt },
    updatedAt: closedAt,
    evidence: AZURE_EVIDENCE_PLAN,
  };

  it("is overdue past the plan's bound, the last query's retries and one interval (20 + 16 minutes)", () => {
    expect(evidenceOverdue(closed, at(36))).toBe(false);
    expect(evidenceOverdue(closed, at(36.01))).toBe(true);
  });

  it("is never overdue without a plan, or while the request is not over", () => {
    const { evidence: _none, ...unplanned } = closed;
    expect(evidenceOverdue(unplanned, at(600))).toBe(false);
    expect(evidenceOverdue({ ...closed, status: "lockdown-failed" }, at(600))).toBe(false);
  });
});
