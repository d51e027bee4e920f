// What changed in a group since the last look, with the members' names and who made each change:
// asked of the directory's delta query, its users and groups, and its audit log.
import {
  applyMemberChanges,
  AUDITED_MEMBERS,
  membershipDiff,
  type Attribution,
  type GroupAlert,
  type KnownMember,
  type MemberChange,
  type MemberKind,
  type WatchedGroup,
} from "../domain/groups.js";
import type { Directory } from "../ports/directory.js";
import type { DirectoryAudit } from "../ports/directoryAudit.js";
import { TransientError } from "../ports/errors.js";
import type { GroupChanges } from "../ports/groupChanges.js";
import { errorMessage } from "./errors.js";
import type { GroupWatchState } from "./state.js";

/** How far back to look in the directory's audit log before the last run, for who made a change. */
const ATTRIBUTION_SLACK_MS = 15 * 60_000;

export interface MembershipSources {
  readonly directory: Directory;
  readonly changes: GroupChanges;
  readonly directoryAudit: DirectoryAudit;
}

/** A group's members as of one look, how many joined and left since the last, and the alerts that says. */
export interface Look {
  readonly deltaLink: string;
  readonly members: readonly KnownMember[];
  readonly added: number;
  readonly removed: number;
  readonly alerts: readonly GroupAlert[];
}

/** The member ids the directory reports now, and the changes it reported to get there. */
interface CurrentMembers {
  readonly ids: ReadonlySet<string>;
  readonly changes: readonly MemberChange[];
  readonly deltaLink: string;
  /** Found by comparing full lists: the directory refused the stored delta link. */
  readonly resync: boolean;
}

export class GroupMembers {
  constructor(private readonly sources: MembershipSources) {}

  /** The group with its display name, or as it is when the directory cannot say (the id is enough to act on). */
  async named(group: WatchedGroup): Promise<WatchedGroup> {
    try {
      const found = await this.sources.directory.getGroup(group.id);
      return found ? { ...group, name: found.displayName } : group;
    } catch {
      return group;
    }
  }

  /** Looks at the group: its first look records a baseline, each later one the changes since. */
  async look(group: WatchedGroup, state: GroupWatchState, at: string): Promise<Look> {
    const current = await this.current(group, state);
    return state.baselineAt ? this.changesSince(group, state, current, at) : this.baseline(group, current, at);
  }

  private async baseline(group: WatchedGroup, current: CurrentMembers, at: string): Promise<Look> {
    const members = await this.members(current, [...current.ids].sort());
    const alert: GroupAlert = {
      kind: "baseline",
      group: await this.named(group),
      count: members.length,
      members: members.slice(0, AUDITED_MEMBERS),
      detectedAt: at,
    };
    return { deltaLink: current.deltaLink, members, added: 0, removed: 0, alerts: [alert] };
  }

  private async changesSince(
    group: WatchedGroup,
    state: GroupWatchState,
    current: CurrentMembers,
    at: string,
  ): Promise<Look> {
    const known = new Map((state.members ?? []).map((member) => [member.id, member]));
    const { added, removed } = membershipDiff(known.keys(), current.ids);
    const since = new Date(Date.parse(state.lastSyncAt ?? at) - ATTRIBUTION_SLACK_MS);
    const joined = await this.members(current, added);
    const left = removed.map((id) => known.get(id)!);
    const label = added.length || removed.length ? await this.named(group) : group;
    const alerts: GroupAlert[] = [];
    for (const [change, list] of [
      ["added", joined],
      ["removed", left],
    ] as const) {
      for (const member of list) {
        alerts.push({
          kind: change === "added" ? "member-added" : "member-removed",
          group: label,
          member,
          detectedAt: at,
          resync: current.resync,
          attribution: await this.attribution(group, member, change, since),
        });
      }
    }
    const members = [...[...known.values()].filter((member) => !removed.includes(member.id)), ...joined].sort((a, b) =>
      a.id.localeCompare(b.id),
    );
    return { deltaLink: current.deltaLink, members, added: added.length, removed: removed.length, alerts };
  }

  /** The named members among `ids`, of the kind the directory reported (a user, unless it said otherwise). */
  private members(current: CurrentMembers, ids: readonly string[]): Promise<KnownMember[]> {
    const kinds = new Map(current.changes.map((change) => [change.id.toLowerCase(), change.kind]));
    return Promise.all(ids.map((id) => this.member(id, kinds.get(id) ?? "user")));
  }

  private async member(id: string, kind: MemberKind): Promise<KnownMember> {
    if (kind === "group") {
      const group = await this.sources.directory.getGroup(id);
      return { id, kind, displayName: group?.displayName ?? id };
    }
    const user = kind === "user" ? await this.sources.directory.getUser(id) : undefined;
    return user ? { id, kind, displayName: user.displayName, upn: user.upn } : { id, kind, displayName: id };
  }

  private async attribution(
    group: WatchedGroup,
    member: KnownMember,
    change: "added" | "removed",
    since: Date,
  ): Promise<Attribution> {
    try {
      return await this.sources.directoryAudit.whoChanged({ groupId: group.id, memberId: member.id, change, since });
    } catch (error) {
      return { kind: "unavailable", reason: errorMessage(error) };
    }
  }

  /** What changed since the stored delta link; a full list compared with the stored one when the link is refused. */
  private async current(group: WatchedGroup, state: GroupWatchState): Promise<CurrentMembers> {
    const known = state.members ?? [];
    const { changes } = this.sources;
    if (state.deltaLink) {
      const delta = await changes.membershipDelta(group.id, state.deltaLink);
      if (delta.kind === "changes") {
        const ids = applyMemberChanges(
          known.map((member) => member.id),
          delta.changes,
        );
        return { ids, changes: delta.changes, deltaLink: delta.deltaLink, resync: false };
      }
    }
    const full = await changes.membershipDelta(group.id);
    if (full.kind !== "changes")
      throw new TransientError("GRAPH_DELTA", "the directory refused a delta query without a delta link");
    const ids = applyMemberChanges([], full.changes);
    return { ids, changes: full.changes, deltaLink: full.deltaLink, resync: state.deltaLink !== undefined };
  }
}
