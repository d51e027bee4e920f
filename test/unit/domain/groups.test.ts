import { describe, expect, it } from "vitest";
import {
  applyMemberChanges,
  membershipDiff,
  policyFindings,
  renderGroupAlert,
  type GroupUser,
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
      renderGroupAlert({
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
      });
    expect(added(emergency, "user").severity).toBe("critical");
    expect(added(approvers, "user").severity).toBe("warning");
    expect(added(emergency, "group").subject).toBe(
      "[break-glass] the group platform-seniors (m) — all of its members joined aks-emergency-admins (the emergency group)",
    );
    expect(added(emergency, "user").text).toContain(
      "Added by the application terraform-sp at 2026-11-28T09:58:00.000Z",
    );
  });
});
