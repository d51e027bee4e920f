// The console's decisions: which requests each section shows, which forms each request gets, and
// which durations the forms offer; all without I/O, time a parameter.
import { describe, expect, it } from "vitest";
import {
  consoleSections,
  durationChoices,
  extensionChoices,
  RECENT_LIMIT,
  requestChoices,
  sectionChoices,
  type ConsoleGroups,
} from "../../../src/domain/console.js";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import type { EmergencyRequest } from "../../../src/domain/request.js";
import { CLUSTER_ID, person } from "../../support/domain.js";

const NOW = new Date("2026-12-03T10:00:00.000Z");
const MINUTE = 60_000;
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE).toISOString();

const viewer = (oid: string, groups: Partial<ConsoleGroups> = {}): ConsoleGroups => ({
  oid,
  approver: false,
  emergencyMember: false,
  ...groups,
});
const ALICE = viewer("alice", { emergencyMember: true });
const BOB = viewer("bob", { approver: true });
const CAROL = viewer("carol", { approver: true, emergencyMember: true });

function request(id: string, requester: string, changes: Partial<EmergencyRequest> = {}): EmergencyRequest {
  return {
    id,
    cluster: parseManagedClusterId(CLUSTER_ID)!,
    requester: person(requester),
    justification: "outage",
    ticket: "INC-1",
    duration: "PT1H",
    durationMs: 60 * MINUTE,
    maxDurationMs: 240 * MINUTE,
    requestedAt: at(-5),
    approvalDeadline: at(25),
    requiredApprovals: 2,
    status: "pending-approval",
    approvals: [],
    updatedAt: at(-5),
    ...changes,
  };
}

describe("the console's sections", () => {
  const alices = request("r-a", "ALICE"); // the directory's oid in another casing
  const carols = request("r-c", "carol", { approvalDeadline: at(10) });
  const approvedByBob = request("r-b", "alice", { approvals: [{ approver: person("bob"), at: at(-1) }] });
  const open = request("r-o", "alice", { status: "open", window: { openedAt: at(-10), closesAt: at(50) } });
  const all = [alices, carols, approvedByBob, open];

  it("Waiting holds what an approver may decide, nearest deadline first: never their own, never one they approved", () => {
    expect(consoleSections(all, BOB, NOW).waiting.map((r) => r.id)).toEqual(["r-c", "r-a"]);
    expect(consoleSections(all, CAROL, NOW).waiting.map((r) => r.id)).toEqual(["r-a", "r-b"]);
    expect(consoleSections(all, ALICE, NOW).waiting).toEqual([]);
    expect(consoleSections(all, BOB, new Date(Date.parse(at(26)))).waiting).toEqual([]);
  });

  it("shows a requester only their own requests, in every section", () => {
    const sections = consoleSections(all, ALICE, NOW);
    expect(sections.recent.map((r) => r.id).sort()).toEqual(["r-a", "r-b", "r-o"]);
    expect(sections.open.map((r) => r.id)).toEqual(["r-o"]);
    expect(consoleSections(all, viewer("mallory"), NOW)).toEqual({ waiting: [], open: [], recent: [] });
  });

  it("Recent is the last requests, newest first", () => {
    const many = Array.from({ length: RECENT_LIMIT + 5 }, (_, index) =>
      request(`r-${String(index).padStart(2, "0")}`, "alice", { requestedAt: at(-100 + index) }),
    );
    const recent = consoleSections(many, BOB, NOW).recent.map((r) => r.id);
    expect(recent).toHaveLength(RECENT_LIMIT);
    expect(recent[0]).toBe(`r-${RECENT_LIMIT + 4}`);
    // The viewer's own pending request stays, however many came after it: Recent is where it is withdrawn.
    const own = request("r-own", "carol", { requestedAt: at(-200) });
    const withOwn = consoleSections([own, ...many], CAROL, NOW).recent.map((r) => r.id);
    expect(withOwn).toHaveLength(RECENT_LIMIT + 1);
    expect(withOwn.at(-1)).toBe("r-own");
    expect(consoleSections([own, ...many], BOB, NOW).recent.map((r) => r.id)).not.toContain("r-own");
  });
});

describe("a request's forms", () => {
  it("decide for another approver, close for its requester and approvers, extend for its requester only", () => {
    const pending = request("r-1", "alice");
    expect(requestChoices(pending, BOB, NOW)).toEqual({ decide: true, close: true, extendBy: [] });
    expect(requestChoices(pending, ALICE, NOW)).toEqual({ decide: false, close: true, extendBy: [] });
    expect(requestChoices(request("r-2", "carol"), CAROL, NOW).decide).toBe(false);
    const open = request("r-3", "alice", { status: "open", window: { openedAt: at(-10), closesAt: at(50) } });
    expect(requestChoices(open, ALICE, NOW).extendBy.length).toBeGreaterThan(0);
    expect(requestChoices(open, BOB, NOW)).toEqual({ decide: false, close: true, extendBy: [] });
    // Out of the emergency group since: no extend.
    expect(requestChoices(open, viewer("alice"), NOW).extendBy).toEqual([]);
    const closed = request("r-4", "alice", { status: "closed" });
    expect(requestChoices(closed, BOB, NOW)).toEqual({ decide: false, close: false, extendBy: [] });
  });

  it("shows each button once on the page: decide in Waiting, close and extend in Open now, withdraw in Recent", () => {
    const pending = request("r-1", "carol");
    const none = { decide: false, close: false, extendBy: [] };
    expect(sectionChoices("waiting", pending, BOB, NOW)).toEqual({ ...none, decide: true });
    expect(sectionChoices("recent", pending, BOB, NOW)).toEqual(none);
    expect(sectionChoices("recent", pending, CAROL, NOW)).toEqual({ ...none, close: true });
    const open = request("r-2", "alice", { status: "open", window: { openedAt: at(-10), closesAt: at(50) } });
    expect(sectionChoices("open", open, ALICE, NOW)).toEqual(requestChoices(open, ALICE, NOW));
    expect(sectionChoices("recent", open, ALICE, NOW)).toEqual(none);
  });

  it("offers the usual durations within policy, and its minimum, default and maximum", () => {
    const policy = { minDurationMs: 10 * MINUTE, maxDurationMs: 90 * MINUTE, defaultDurationMs: 45 * MINUTE };
    expect(durationChoices(policy).map((ms) => ms / MINUTE)).toEqual([10, 15, 30, 45, 60, 90]);
  });

  it("offers extensions that fit within the policy maximum from when the window opened, and all the room left", () => {
    const window = { openedAt: at(-10), closesAt: at(50) };
    expect(extensionChoices(window, 240 * MINUTE).map((ms) => ms / MINUTE)).toEqual([15, 30, 60, 120, 180]);
    expect(extensionChoices(window, 80 * MINUTE).map((ms) => ms / MINUTE)).toEqual([15, 20]);
    expect(extensionChoices(window, 60 * MINUTE)).toEqual([]);
  });
});
