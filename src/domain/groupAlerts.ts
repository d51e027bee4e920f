// How each group alert is told to people, one row per kind, and how the audit trail records it.
import { kindCode } from "./codes.js";
import type { AuditActor, AuditFields } from "./audit.js";
import {
  AUDITED_MEMBERS,
  LISTED_MEMBERS,
  type Attribution,
  type GroupAlert,
  type GroupRole,
  type KnownMember,
  type WatchedGroup,
} from "./groups.js";
import { instantInWords } from "./humanTime.js";
import { alertMessage, type AlertTable, type AlertText, type MessageContent } from "./messages.js";

const ROLES: { readonly [R in GroupRole]: { readonly name: string; readonly power: string } } = {
  emergency: {
    name: "the emergency group",
    power: "Members may request break-glass access to every managed cluster.",
  },
  approver: { name: "the approver group", power: "Members may approve break-glass access." },
};

function groupLabel(group: WatchedGroup): string {
  const role = ROLES[group.role].name;
  return group.name ? `${group.name} (${role})` : `${role} ${group.id}`;
}

function memberLabel(member: KnownMember): string {
  if (member.kind === "group") return `the group ${member.displayName} (${member.id}) — all of its members`;
  return member.upn ? `${member.displayName} (${member.upn})` : `${member.displayName} (${member.id})`;
}

type MemberChange = "added" | "removed";
type MemberChangeAlert = Extract<GroupAlert, { readonly kind: "member-added" | "member-removed" }>;

/** The words for a change of members: joining the emergency group is the one that is critical. */
const CHANGES: {
  readonly [C in MemberChange]: {
    readonly severity: { readonly [R in GroupRole]: "critical" | "warning" };
    readonly went: string;
    readonly was: string;
    readonly by: string;
    /** The operation's name in the Entra audit log. */
    readonly logged: string;
    readonly advice: string;
  };
} = {
  added: {
    severity: { emergency: "critical", approver: "warning" },
    went: "joined",
    was: "added to",
    by: "Added",
    logged: "Add member to group",
    advice: " If nobody expected this, remove the member now and review recent break-glass requests.",
  },
  removed: {
    severity: { emergency: "warning", approver: "warning" },
    went: "left",
    was: "removed from",
    by: "Removed",
    logged: "Remove member from group",
    advice: "",
  },
};

function attributionText(attribution: Attribution, change: MemberChange, now: Date): string {
  switch (attribution.kind) {
    case "found": {
      const { author } = attribution;
      const who =
        author.kind === "app"
          ? `the application ${author.displayName}`
          : author.upn
            ? `${author.displayName} (${author.upn})`
            : author.displayName;
      return `${CHANGES[change].by} by ${who} at ${instantInWords(author.at, now)}, according to the Entra audit log.`;
    }
    case "not-found":
      return `The Entra audit log does not show who did it yet (it lags by minutes): look for "${CHANGES[change].logged}" there.`;
    case "unavailable":
      return `Who did it is unknown: the Entra audit log could not be read (${attribution.reason}).`;
  }
}

function memberChanged(change: MemberChange): AlertText<MemberChangeAlert> {
  const words = CHANGES[change];
  return {
    severity: ({ group }) => words.severity[group.role],
    subject: ({ member, group }) => `${memberLabel(member)} ${words.went} ${groupLabel(group)}`,
    text: ({ member, group, detectedAt, resync, attribution }, now) =>
      `${memberLabel(member)} was ${words.was} ${groupLabel(group)}; detected at ${instantInWords(detectedAt, now)}` +
      `${resync ? " by a full comparison (the directory refused the stored delta link)" : ""}. ${ROLES[group.role].power}\n` +
      attributionText(attribution, change, now) +
      words.advice,
    facts: ({ member, detectedAt }, now) => [
      { name: "Member", value: member.upn ?? member.id },
      { name: "Detected", value: instantInWords(detectedAt, now) },
    ],
  };
}

const GROUP_ALERTS: AlertTable<GroupAlert> = {
  baseline: {
    severity: "info",
    subject: ({ group, count }) => `Watching ${groupLabel(group)}: ${count} member(s)`,
    text: ({ group, count, members, detectedAt }, now) =>
      `Group watch recorded the members of ${groupLabel(group)} at ${instantInWords(detectedAt, now)}. Every change from now on raises an alert. ` +
      `${ROLES[group.role].power}\nMembers (${count}): ${count ? members.slice(0, LISTED_MEMBERS).map(memberLabel).join("; ") : "none"}` +
      (count > LISTED_MEMBERS
        ? ` (${count - LISTED_MEMBERS} not listed here; the audit entry names ${Math.min(count, AUDITED_MEMBERS)})`
        : ""),
  },
  "member-added": memberChanged("added"),
  "member-removed": memberChanged("removed"),
  "too-many-members": {
    severity: "warning",
    subject: ({ group, count, max }) => `${groupLabel(group)} has ${count} members; the policy allows ${max}`,
    text: ({ group, count, max, members }) =>
      `${groupLabel(group)} has ${count} members (BREAKGLASS_GROUP_MAX_MEMBERS=${max}): ${members.join(", ")}` +
      `${count > members.length ? ` and ${count - members.length} more` : ""}. ` +
      "The emergency group should hold only a few senior engineers; review it.",
  },
  "disabled-member": {
    severity: "warning",
    subject: ({ member, group }) => `Disabled account ${memberLabel(member)} is still in ${groupLabel(group)}`,
    text: ({ member, group }) =>
      `${memberLabel(member)} is disabled in Entra ID but still a member of ${groupLabel(group)}. ` +
      "It cannot act now; remove it so that re-enabling the account does not restore its access.",
  },
  "sole-approver": {
    severity: "critical",
    subject: ({ member }) => `${memberLabel(member)} is the only approver and also an emergency member`,
    text: ({ member }) =>
      `${memberLabel(member)} is the only enabled approver and is also in the emergency group: ` +
      "nobody can approve their requests (no one approves their own). Add a second approver.",
    facts: ({ member }) => [{ name: "Approver", value: member.upn ?? member.id }],
  },
  "no-approver": {
    severity: "critical",
    subject: ({ group }) => `${groupLabel(group)} has no enabled member`,
    text: ({ group }) =>
      `${groupLabel(group)} has no enabled member: no break-glass request can be approved. Add approvers.`,
  },
  "watch-failing": {
    severity: "warning",
    subject: ({ group }) => `Group watch cannot read ${groupLabel(group)}`,
    text: ({ group, code, message, since }) =>
      `Since ${since}, group watch cannot read the members of ${groupLabel(group)} (${code}: ${message}). ` +
      "Changes to the group go unnoticed until it works again; it keeps trying at every run and says when it recovers.",
  },
  "watch-recovered": {
    severity: "info",
    subject: ({ group }) => `Group watch reads ${groupLabel(group)} again`,
    text: ({ group, since }) =>
      `Group watch reads ${groupLabel(group)} again after failing since ${since}; changes made meanwhile are reported by this run.`,
  },
};

/** The Teams and email message for a group alert. */
/** The alert as sent at `now`. */
export function renderGroupAlert(alert: GroupAlert, now: Date): MessageContent {
  const facts = "group" in alert ? [{ name: "Group", value: alert.group.id }] : [];
  return alertMessage("group", GROUP_ALERTS, alert, facts, now);
}

/** The audit fields of a group alert: what happened, to whom, and who did it when the log says so. */
export function groupAlertAuditFields(alert: GroupAlert, at: string): AuditFields {
  const base = { at, cluster: "", actor: null as AuditActor | null };
  const group: Record<string, string> = "group" in alert ? { groupId: alert.group.id, role: alert.group.role } : {};
  const headline = () => renderGroupAlert(alert, new Date(at)).subject.replace("[break-glass] ", "");
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
        message: headline(),
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
        code: kindCode(alert.kind),
        message: headline(),
        details: { ...group, ...("member" in alert ? { member: alert.member.upn ?? alert.member.id } : {}) },
      };
  }
}
