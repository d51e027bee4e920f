import { describe, expect, it } from "vitest";
import {
  fateInTrail,
  lastActions,
  lateActionRefusal,
  toFateView,
  type ActionReceipt,
} from "../../../src/domain/actions.js";
import type { AuditEntry, AuditEventType } from "../../../src/domain/audit.js";
import { requestAuditEntry } from "../../../src/domain/auditChain.js";
import { isActionId, newActionId } from "../../../src/domain/ids.js";
import { REQUEST_STATUSES } from "../../../src/domain/lifecycle.js";
import { CLUSTER_ID, person } from "../../support/domain.js";

const REQUEST = "bg-01m8gshv80v200jgzv74xjm1zr";

function entry(sequence: number, type: AuditEventType, actionId?: string, code?: "NOT_PENDING" | "DUPLICATE_APPROVAL") {
  return requestAuditEntry(REQUEST, sequence, "prev", {
    type,
    at: `2026-12-01T10:00:0${sequence}.000Z`,
    actor: null,
    cluster: CLUSTER_ID,
    outcome: code ? "refused" : "info",
    ...(code ? { code, message: `refused: ${code}` } : {}),
    ...(actionId ? { details: { actionId } } : {}),
  });
}

const receipt = (id: string, oid: string, at: string, type: ActionReceipt["type"] = "approve"): ActionReceipt => ({
  id,
  requestId: REQUEST,
  type,
  actor: person(oid),
  at,
});

describe("action ids", () => {
  it("are act- and 16 hex digits from 8 random bytes", () => {
    const id = newActionId(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 255]));
    expect(id).toBe("act-01020304050607ff");
    expect(isActionId(id)).toBe(true);
    expect(isActionId("act-01020304050607FF")).toBe(false);
    expect(() => newActionId(new Uint8Array(4))).toThrow(RangeError);
  });
});

describe("the fate of an action, as the trail tells it", () => {
  const trail: AuditEntry[] = [
    entry(0, "requested"),
    entry(1, "approval-recorded", "act-a"),
    entry(2, "event-ignored", "act-b", "NOT_PENDING"),
    entry(3, "approval-ignored", "act-c", "DUPLICATE_APPROVAL"),
    entry(4, "close-requested", "act-d"),
    entry(5, "closed"),
  ];

  it.each([
    ["act-a", { result: "counted", at: "2026-12-01T10:00:01.000Z", entry: 1 }],
    ["act-b", { result: "ignored", entry: 2, code: "NOT_PENDING", message: "refused: NOT_PENDING" }],
    ["act-c", { result: "ignored", entry: 3, code: "DUPLICATE_APPROVAL" }],
    ["act-d", { result: "counted", entry: 4 }],
    ["act-e", { result: "pending" }],
  ] as const)("%s", (id, fate) => {
    expect(fateInTrail(id, trail)).toMatchObject(fate);
  });

  it("is the first entry that names it, never a later one", () => {
    expect(fateInTrail("act-a", [...trail, entry(6, "event-ignored", "act-a", "NOT_PENDING")])).toMatchObject({
      result: "counted",
    });
  });

  it("shows in the API without what it does not know", () => {
    expect(toFateView({ result: "pending" })).toEqual({ result: "pending" });
    expect(toFateView(fateInTrail("act-a", trail))).toEqual({
      result: "counted",
      at: "2026-12-01T10:00:01.000Z",
      entry: 1,
    });
  });
});

describe("an action that reached a workflow that had stopped", () => {
  it.each([
    ["denied", "ALREADY_DENIED", "after the request was denied"],
    ["expired", "ALREADY_EXPIRED", "after the request's approval deadline passed"],
    ["closed", "ALREADY_CLOSED", "after the request was closed"],
    ["closing", "ALREADY_CLOSED", "after the window was being closed"],
    ["lockdown-failed", "ALREADY_CLOSED", "after the window was being closed"],
    ["failed", "ALREADY_FAILED", "after the request had failed"],
    ["pending-approval", "WORKFLOW_ENDED", "after the request's workflow had stopped"],
    ["opening", "WORKFLOW_ENDED", "after the request's workflow had stopped"],
    ["open", "WORKFLOW_ENDED", "after the request's workflow had stopped"],
  ] as const)("%s → %s", (status, code, after) => {
    expect(lateActionRefusal({ type: "approve" }, status)).toEqual({
      code,
      message: `this approval arrived ${after} and was not counted`,
    });
  });

  it("has a reason for every status, and quotes how the request ended", () => {
    for (const status of REQUEST_STATUSES) expect(lateActionRefusal({ type: "close" }, status).code).toBeTruthy();
    expect(lateActionRefusal({ type: "extend" }, "closed", { message: "closed early by Bob" }).message).toBe(
      "this extension request arrived after the request was closed (closed early by Bob) and was not counted",
    );
  });
});

describe("each actor's last action", () => {
  it("is the latest receipt per oid (case-insensitive), with its fate", () => {
    const receipts = [
      receipt("act-b", "carol", "2026-12-01T10:00:05.000Z", "deny"),
      receipt("act-a", "bob", "2026-12-01T10:00:01.000Z"),
      receipt("act-c", "BOB", "2026-12-01T10:00:07.000Z", "close"),
    ];
    const last = lastActions(receipts, [
      entry(1, "denied", "act-b"),
      entry(2, "event-ignored", "act-c", "NOT_PENDING"),
    ]);
    expect(last.map((action) => [action.actor.oid, action.type, action.fate.result])).toEqual([
      ["carol", "deny", "counted"],
      ["BOB", "close", "ignored"],
    ]);
  });
});
