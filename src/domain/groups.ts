import type { OutcomeCode } from "./codes.js";
// The emergency and approver groups: what a change of their members means, and which states of them
// break the two-person rule (how each is told to people: groupAlerts.ts). The emergency group is the
// key to every managed cluster, so every change is worth a message.

export type GroupRole = "emergency" | "approver";

export interface WatchedGroup {
  readonly id: string;
  readonly role: GroupRole;
  /** The directory's display name, when known. */
  readonly name?: string;
}

export type MemberKind = "user" | "group" | "other";

/** Members named in one alert, at most: the rest are counted (an alert stays readable). */
export const LISTED_MEMBERS = 50;
/**
 * Members a baseline's audit entry names, at most: the record of who was there at the start.
 * 250 UPNs of at most 113 characters stay within one table column's 32K characters.
 */
export const AUDITED_MEMBERS = 250;

/** A change to a group's direct members, as the directory reports it. */
export interface MemberChange {
  readonly id: string;
  readonly kind: MemberKind;
  readonly change: "added" | "removed";
}

export interface KnownMember {
  readonly id: string;
  readonly kind: MemberKind;
  readonly displayName: string;
  readonly upn?: string;
}

/** A user as the policy checks need them (transitive members of a group). */
export interface GroupUser {
  readonly oid: string;
  readonly upn: string;
  readonly displayName: string;
  readonly accountEnabled: boolean;
}

/** Who made a change, according to the directory's audit log. */
export interface ChangeAuthor {
  readonly kind: "user" | "app";
  readonly id?: string;
  readonly displayName: string;
  readonly upn?: string;
  /** When the directory logged the change. */
  readonly at: string;
}

export type Attribution =
  | { readonly kind: "found"; readonly author: ChangeAuthor }
  /** Nothing in the log (yet: it lags the change by minutes). */
  | { readonly kind: "not-found" }
  /** The log could not be asked (no AuditLog.Read.All, or it failed). */
  | { readonly kind: "unavailable"; readonly reason: string };

export type GroupAlert =
  /** `members` holds at most AUDITED_MEMBERS of the `count`; the alert names LISTED_MEMBERS of them. */
  | {
      readonly kind: "baseline";
      readonly group: WatchedGroup;
      readonly count: number;
      readonly members: readonly KnownMember[];
      readonly detectedAt: string;
    }
  | {
      readonly kind: "member-added" | "member-removed";
      readonly group: WatchedGroup;
      readonly member: KnownMember;
      readonly detectedAt: string;
      /** Found by comparing full lists after the directory refused the stored delta link. */
      readonly resync: boolean;
      readonly attribution: Attribution;
    }
  | {
      readonly kind: "too-many-members";
      readonly group: WatchedGroup;
      readonly count: number;
      readonly max: number;
      readonly members: readonly string[];
    }
  | { readonly kind: "disabled-member"; readonly group: WatchedGroup; readonly member: KnownMember }
  | { readonly kind: "sole-approver"; readonly member: KnownMember }
  | { readonly kind: "no-approver"; readonly group: WatchedGroup }
  | {
      readonly kind: "watch-failing";
      readonly group: WatchedGroup;
      readonly code: OutcomeCode;
      readonly message: string;
      readonly since: string;
    }
  | { readonly kind: "watch-recovered"; readonly group: WatchedGroup; readonly since: string };

/** The members after applying `changes` in order (a delta may name a member more than once). */
export function applyMemberChanges(members: Iterable<string>, changes: readonly MemberChange[]): Set<string> {
  const result = new Set([...members].map((id) => id.toLowerCase()));
  for (const change of changes) {
    if (change.change === "added") result.add(change.id.toLowerCase());
    else result.delete(change.id.toLowerCase());
  }
  return result;
}

/** Who joined and who left between two member lists (ids compared without regard to case), sorted. */
export function membershipDiff(
  before: Iterable<string>,
  after: Iterable<string>,
): { readonly added: string[]; readonly removed: string[] } {
  const was = new Set([...before].map((id) => id.toLowerCase()));
  const is = new Set([...after].map((id) => id.toLowerCase()));
  return { added: [...is].filter((id) => !was.has(id)).sort(), removed: [...was].filter((id) => !is.has(id)).sort() };
}

export interface PolicyFinding {
  /** Stable while the condition lasts, so that it is alerted once. */
  readonly key: string;
  readonly alert: GroupAlert;
}

const asMember = (user: GroupUser): KnownMember => ({
  id: user.oid.toLowerCase(),
  kind: "user",
  displayName: user.displayName,
  upn: user.upn,
});

/**
 * What is wrong with the groups as they are now: an emergency group larger than `maxMembers`, a
 * disabled account left in either group, and approvers such that no second person is possible.
 */
export function policyFindings(
  emergency: { readonly group: WatchedGroup; readonly users: readonly GroupUser[] },
  approvers: { readonly group: WatchedGroup; readonly users: readonly GroupUser[] },
  maxMembers: number,
): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  if (emergency.users.length > maxMembers) {
    findings.push({
      key: `too-many-members:${emergency.group.id}`,
      alert: {
        kind: "too-many-members",
        group: emergency.group,
        count: emergency.users.length,
        max: maxMembers,
        members: emergency.users
          .map((user) => user.upn)
          .sort()
          .slice(0, LISTED_MEMBERS),
      },
    });
  }
  for (const { group, users } of [emergency, approvers]) {
    for (const user of users.filter((candidate) => !candidate.accountEnabled)) {
      findings.push({
        key: `disabled-member:${group.id}:${user.oid.toLowerCase()}`,
        alert: { kind: "disabled-member", group, member: asMember(user) },
      });
    }
  }
  const able = approvers.users.filter((user) => user.accountEnabled);
  if (able.length === 0) {
    findings.push({ key: `no-approver:${approvers.group.id}`, alert: { kind: "no-approver", group: approvers.group } });
  } else if (
    able.length === 1 &&
    emergency.users.some((user) => user.oid.toLowerCase() === able[0]!.oid.toLowerCase())
  ) {
    // Their own requests need a second person, and they are the only one.
    findings.push({
      key: `sole-approver:${able[0]!.oid.toLowerCase()}`,
      alert: { kind: "sole-approver", member: asMember(able[0]!) },
    });
  }
  return findings;
}
