import { upstreamCode } from "../../../src/domain/codes.js";
import { describe, expect, it } from "vitest";
import { groupAlertAuditFields, renderGroupAlert } from "../../../src/domain/groupAlerts.js";
import {
  applyMemberChanges,
  membershipDiff,
  policyFindings,
  type Attribution,
  type GroupAlert,
  type GroupUser,
  type KnownMember,
  type WatchedGroup,
} from "../../../src/domain/groups.js";

const emergency: WatchedGroup = { id: "g-e", role: "emergency", name: "aks-emergency-admins" };
const approvers: WatchedGroup = { id: "g-a", role: "approver", name: "aks-breakglass-approvers" };
const user = (name: string, accountEnabled = true): GroupUser => ({
  oid: `oid-${name}`,
  upn: `${name}@contoso.dev`,
  displayName: name,
  accountEnabled,
});

describe("membership changes", () => {
  it("applies a delta in order: a member added and removed again is gone", () => {
    const members = applyMemberChanges(
      ["A"],
      [
        { id: "b", kind: "user", change: "added" },
        { id: "B", kind: "user", change: "removed" },
        { id: "c", kind: "user", change: "added" },
        { id: "a", kind: "user", change: "removed" },
      ],
    );
    expect([...members]).toEqual(["c"]);
  });

  it("compares member lists without regard to case, sorted", () => {
    expect(membershipDiff(["A", "b"], ["B", "d", "c"])).toEqual({ added: ["c", "d"], removed: ["a"] });
  });
});

describe("group policy", () => {
  it("finds nothing wrong with two emergency members and two approvers", () => {
    expect(
      policyFindings(
        { group: emergency, users: [user("alice"), user("carol")] },
        { group: approvers, users: [user("bob"), user("carol")] },
        3,
      ),
    ).toEqual([]);
  });

  it("an emergency group over the maximum", () => {
    const [finding] = policyFindings(
      { group: emergency, users: ["a", "b", "c", "d"].map((name) => user(name)) },
      { group: approvers, users: [user("x"), user("y")] },
      3,
    );
    expect(finding).toMatchObject({
      key: "too-many-members:g-e",
      alert: { kind: "too-many-members", count: 4, max: 3 },
    });
  });

  it("a disabled account in either group, keyed per group and user", () => {
    const keys = policyFindings(
      { group: emergency, users: [user("alice", false)] },
      { group: approvers, users: [user("bob"), user("zed", false), user("amy")] },
      3,
    ).map((finding) => finding.key);
    expect(keys).toEqual(["disabled-member:g-e:oid-alice", "disabled-member:g-a:oid-zed"]);
  });

  it("the only enabled approver who is also an emergency member; no enabled approver at all", () => {
    expect(
      policyFindings(
        { group: emergency, users: [user("carol")] },
        { group: approvers, users: [user("carol"), user("bob", false)] },
        3,
      ).map((finding) => finding.key),
    ).toEqual(["disabled-member:g-a:oid-bob", "sole-approver:oid-carol"]);
    // One approver who is not an emergency member can approve everyone's requests.
    expect(
      policyFindings({ group: emergency, users: [user("alice")] }, { group: approvers, users: [user("bob")] }, 3),
    ).toEqual([]);
    expect(
      policyFindings({ group: emergency, users: [user("alice")] }, { group: approvers, users: [] }, 3).map(
        (finding) => finding.key,
      ),
    ).toEqual(["no-approver:g-a"]);
  });
});

describe("group alerts", () => {
  it("an addition to the emergency group is critical; to the approvers a warning; a nested group is named as such", () => {
    const added = (group: WatchedGroup, kind: "user" | "group") =>
      renderGroupAlert(
        {
          kind: "member-added",
          group,
          member: {
            id: "m",
            kind,
            displayName: "platform-seniors",
            ...(kind === "user" ? { upn: "p@contoso.dev" } : {}),
          },
          detectedAt: "2026-11-28T10:00:00.000Z",
          resync: false,
          attribution: {
            kind: "found",
            author: { kind: "app", displayName: "terraform-sp", at: "2026-11-28T09:58:00.000Z" },
          },
        },
        SENT,
      );
    expect(added(emergency, "user").severity).toBe("critical");
    expect(added(approvers, "user").severity).toBe("warning");
    expect(added(emergency, "group").subject).toBe(
      "[break-glass] the group platform-seniors (m) — all of its members joined aks-emergency-admins (the emergency group)",
    );
    expect(added(emergency, "user").text).toContain(
      "Added by the application terraform-sp at 09:58 UTC (4 minutes ago)",
    );
  });
});

// Every group alert as people receive it and as the audit trail records it, with the variants that
// change the wording; the snapshots fail on any change to either.
const unnamed: WatchedGroup = { id: "g-u", role: "approver" };
const dana: KnownMember = { id: "oid-dana", kind: "user", displayName: "Dana Dev", upn: "dana@contoso.dev" };
const guest: KnownMember = { id: "oid-guest", kind: "user", displayName: "Guest Account" };
const nested: KnownMember = { id: "g-n", kind: "group", displayName: "platform-seniors" };
const members = (count: number): KnownMember[] =>
  Array.from({ length: count }, (_, index) => ({
    id: `oid-${index}`,
    kind: "user" as const,
    displayName: `Engineer ${index}`,
    upn: `engineer${index}@contoso.dev`,
  }));
const found = (author: Extract<Attribution, { kind: "found" }>["author"]): Attribution => ({ kind: "found", author });
const ATTRIBUTIONS: readonly [string, Attribution][] = [
  [
    "by a user",
    found({
      kind: "user",
      id: "oid-eve",
      displayName: "Eve Owner",
      upn: "eve@contoso.dev",
      at: "2026-11-28T09:58:00.000Z",
    }),
  ],
  [
    "by a user without a UPN",
    found({ kind: "user", id: "oid-eve", displayName: "Eve Owner", at: "2026-11-28T09:58:00.000Z" }),
  ],
  ["by an app", found({ kind: "app", displayName: "terraform-sp", at: "2026-11-28T09:58:00.000Z" })],
  ["not yet in the log", { kind: "not-found" }],
  ["with the log unreadable", { kind: "unavailable", reason: "no AuditLog.Read.All" }],
];
const detectedAt = "2026-11-28T10:00:00.000Z";
/** When the alerts are sent: two minutes after detection. */
const SENT = new Date("2026-11-28T10:02:00.000Z");
const GROUP_ALERTS: readonly [string, GroupAlert][] = [
  ["baseline of an empty group", { kind: "baseline", group: emergency, count: 0, members: [], detectedAt }],
  ["baseline of a few", { kind: "baseline", group: approvers, count: 3, members: [dana, guest, nested], detectedAt }],
  [
    "baseline of more than are listed",
    { kind: "baseline", group: emergency, count: 60, members: members(60), detectedAt },
  ],
  [
    "baseline of more than are audited",
    { kind: "baseline", group: unnamed, count: 300, members: members(250), detectedAt },
  ],
  ...(["member-added", "member-removed"] as const).flatMap((kind) =>
    [emergency, approvers].flatMap((group) =>
      ATTRIBUTIONS.map(([how, attribution]): [string, GroupAlert] => [
        `${kind} to ${group.role} ${how}`,
        { kind, group, member: dana, detectedAt, resync: false, attribution },
      ]),
    ),
  ),
  [
    "member-added found by a full comparison, a member without a UPN",
    {
      kind: "member-added",
      group: unnamed,
      member: guest,
      detectedAt,
      resync: true,
      attribution: { kind: "not-found" },
    },
  ],
  [
    "member-removed found by a full comparison, a nested group",
    {
      kind: "member-removed",
      group: emergency,
      member: nested,
      detectedAt,
      resync: true,
      attribution: { kind: "not-found" },
    },
  ],
  [
    "too-many-members, all listed",
    {
      kind: "too-many-members",
      group: emergency,
      count: 4,
      max: 3,
      members: ["a@contoso.dev", "b@contoso.dev", "c@contoso.dev", "d@contoso.dev"],
    },
  ],
  [
    "too-many-members, some not listed",
    {
      kind: "too-many-members",
      group: emergency,
      count: 60,
      max: 3,
      members: members(50).map((member) => member.upn!),
    },
  ],
  ["disabled-member", { kind: "disabled-member", group: approvers, member: dana }],
  ["disabled-member without a UPN", { kind: "disabled-member", group: unnamed, member: guest }],
  ["sole-approver", { kind: "sole-approver", member: dana }],
  ["sole-approver without a UPN", { kind: "sole-approver", member: guest }],
  ["no-approver", { kind: "no-approver", group: approvers }],
  [
    "watch-failing",
    {
      kind: "watch-failing",
      group: emergency,
      code: upstreamCode("FORBIDDEN"),
      message: "Graph answered 403",
      since: detectedAt,
    },
  ],
  ["watch-recovered", { kind: "watch-recovered", group: unnamed, since: detectedAt }],
];

describe("every group alert", () => {
  it.each(GROUP_ALERTS)("%s: the message", (_, alert) => {
    expect(renderGroupAlert(alert, SENT)).toMatchSnapshot();
  });

  it.each(GROUP_ALERTS)("%s: the audit entry", (_, alert) => {
    expect(groupAlertAuditFields(alert, "2026-11-28T10:01:00.000Z")).toMatchSnapshot();
  });
});
