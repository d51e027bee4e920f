// The emergency and approver groups: what a change of their members means, which states of them
// break the two-person rule, and how each is told to people. The emergency group is the key to
// every managed cluster, so every change is worth a message.
import type { AuditActor, AuditFields } from "./audit.js";
import type { MessageContent, Severity } from "./messages.js";

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
      readonly code: string;
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

function groupLabel(group: WatchedGroup): string {
  const role = group.role === "emergency" ? "the emergency group" : "the approver group";
  return group.name ? `${group.name} (${role})` : `${role} ${group.id}`;
}

function memberLabel(member: KnownMember): string {
  if (member.kind === "group") return `the group ${member.displayName} (${member.id}) — all of its members`;
  return member.upn ? `${member.displayName} (${member.upn})` : `${member.displayName} (${member.id})`;
}

function attributionText(attribution: Attribution, change: "added" | "removed"): string {
  switch (attribution.kind) {
    case "found": {
      const { author } = attribution;
      const who =
        author.kind === "app"
          ? `the application ${author.displayName}`
          : author.upn
            ? `${author.displayName} (${author.upn})`
            : author.displayName;
      return `${change === "added" ? "Added" : "Removed"} by ${who} at ${author.at}, according to the Entra audit log.`;
    }
    case "not-found":
      return `The Entra audit log does not show who did it yet (it lags by minutes): look for "${change === "added" ? "Add member to group" : "Remove member from group"}" there.`;
    case "unavailable":
      return `Who did it is unknown: the Entra audit log could not be read (${attribution.reason}).`;
  }
}

/** The Teams and email message for a group alert. */
export function renderGroupAlert(alert: GroupAlert): MessageContent {
  const content = (
    severity: Severity,
    subject: string,
    text: string,
    facts: MessageContent["facts"],
  ): MessageContent => ({
    kind: `group-${alert.kind}`,
    severity,
    subject: `[break-glass] ${subject}`,
    text,
    facts,
    links: [],
  });
  const power = (group: WatchedGroup) =>
    group.role === "emergency"
      ? "Members may request break-glass access to every managed cluster."
      : "Members may approve break-glass access.";
  switch (alert.kind) {
    case "baseline":
      return content(
        "info",
        `Watching ${groupLabel(alert.group)}: ${alert.count} member(s)`,
        `Group watch recorded the members of ${groupLabel(alert.group)} at ${alert.detectedAt}. Every change from now on raises an alert. ` +
          `${power(alert.group)}\nMembers (${alert.count}): ${alert.count ? alert.members.slice(0, LISTED_MEMBERS).map(memberLabel).join("; ") : "none"}` +
          (alert.count > LISTED_MEMBERS
            ? ` (${alert.count - LISTED_MEMBERS} not listed here; the audit entry names ${Math.min(alert.count, AUDITED_MEMBERS)})`
            : ""),
        [{ name: "Group", value: alert.group.id }],
      );
    case "member-added":
    case "member-removed": {
      const added = alert.kind === "member-added";
      const severity: Severity = added && alert.group.role === "emergency" ? "critical" : "warning";
      return content(
        severity,
        `${memberLabel(alert.member)} ${added ? "joined" : "left"} ${groupLabel(alert.group)}`,
        `${memberLabel(alert.member)} was ${added ? "added to" : "removed from"} ${groupLabel(alert.group)}; detected at ${alert.detectedAt}` +
          `${alert.resync ? " by a full comparison (the directory refused the stored delta link)" : ""}. ${power(alert.group)}\n` +
          attributionText(alert.attribution, added ? "added" : "removed") +
          (added ? " If nobody expected this, remove the member now and review recent break-glass requests." : ""),
        [
          { name: "Group", value: alert.group.id },
          { name: "Member", value: alert.member.upn ?? alert.member.id },
          { name: "Detected", value: alert.detectedAt },
        ],
      );
    }
    case "too-many-members":
      return content(
        "warning",
        `${groupLabel(alert.group)} has ${alert.count} members; the policy allows ${alert.max}`,
        `${groupLabel(alert.group)} has ${alert.count} members (BREAKGLASS_GROUP_MAX_MEMBERS=${alert.max}): ${alert.members.join(", ")}` +
          `${alert.count > alert.members.length ? ` and ${alert.count - alert.members.length} more` : ""}. ` +
          "The emergency group should hold only a few senior engineers; review it.",
        [{ name: "Group", value: alert.group.id }],
      );
    case "disabled-member":
      return content(
        "warning",
        `Disabled account ${memberLabel(alert.member)} is still in ${groupLabel(alert.group)}`,
        `${memberLabel(alert.member)} is disabled in Entra ID but still a member of ${groupLabel(alert.group)}. It cannot act now; remove it so that re-enabling the account does not restore its access.`,
        [{ name: "Group", value: alert.group.id }],
      );
    case "sole-approver":
      return content(
        "critical",
        `${memberLabel(alert.member)} is the only approver and also an emergency member`,
        `${memberLabel(alert.member)} is the only enabled approver and is also in the emergency group: nobody can approve their requests (no one approves their own). Add a second approver.`,
        [{ name: "Approver", value: alert.member.upn ?? alert.member.id }],
      );
    case "no-approver":
      return content(
        "critical",
        `${groupLabel(alert.group)} has no enabled member`,
        `${groupLabel(alert.group)} has no enabled member: no break-glass request can be approved. Add approvers.`,
        [{ name: "Group", value: alert.group.id }],
      );
    case "watch-failing":
      return content(
        "warning",
        `Group watch cannot read ${groupLabel(alert.group)}`,
        `Since ${alert.since}, group watch cannot read the members of ${groupLabel(alert.group)} (${alert.code}: ${alert.message}). ` +
          "Changes to the group go unnoticed until it works again; it keeps trying at every run and says when it recovers.",
        [{ name: "Group", value: alert.group.id }],
      );
    case "watch-recovered":
      return content(
        "info",
        `Group watch reads ${groupLabel(alert.group)} again`,
        `Group watch reads ${groupLabel(alert.group)} again after failing since ${alert.since}; changes made meanwhile are reported by this run.`,
        [{ name: "Group", value: alert.group.id }],
      );
  }
}

/** The audit fields of a group alert: what happened, to whom, and who did it when the log says so. */
export function groupAlertAuditFields(alert: GroupAlert, at: string): AuditFields {
  const base = { at, cluster: "", actor: null as AuditActor | null };
  const group: Record<string, string> = "group" in alert ? { groupId: alert.group.id, role: alert.group.role } : {};
  switch (alert.kind) {
    case "baseline":
      return {
        ...base,
        type: "group-baseline",
        outcome: "info",
        details: {
          ...group,
          count: alert.count,
          members: alert.members.map((member) => member.upn ?? member.id).join(","),
        },
      };
    case "member-added":
    case "member-removed": {
      const author = alert.attribution.kind === "found" ? alert.attribution.author : undefined;
      return {
        ...base,
        actor: author?.kind === "user" && author.id ? { oid: author.id, upn: author.upn ?? "" } : null,
        type: alert.kind === "member-added" ? "group-member-added" : "group-member-removed",
        outcome: "info",
        message: renderGroupAlert(alert).subject.replace("[break-glass] ", ""),
        details: {
          ...group,
          memberId: alert.member.id,
          memberKind: alert.member.kind,
          member: alert.member.upn ?? alert.member.displayName,
          resync: alert.resync,
          attribution: alert.attribution.kind,
          ...(author ? { changedBy: author.upn ?? author.displayName } : {}),
        },
      };
    }
    case "watch-failing":
      return {
        ...base,
        type: "group-watch-failed",
        outcome: "failure",
        code: alert.code,
        message: alert.message,
        details: group,
      };
    case "watch-recovered":
      return {
        ...base,
        type: "group-watch-recovered",
        outcome: "success",
        details: { ...group, failingSince: alert.since },
      };
    default:
      return {
        ...base,
        type: "group-policy",
        outcome: "failure",
        code: alert.kind.toUpperCase().replace(/-/g, "_"),
        message: renderGroupAlert(alert).subject.replace("[break-glass] ", ""),
        details: { ...group, ...("member" in alert ? { member: alert.member.upn ?? alert.member.id } : {}) },
      };
  }
}
