// Directory and group changes on Microsoft Graph. Authorization asks checkMemberGroups, which is
// transitive and strongly consistent — never the eventually consistent transitiveMemberOf list.
import type { Directory, DirectoryGroup, DirectoryUser } from "../../ports/directory.js";
import type { GroupChanges, MemberChange, MembershipDelta } from "../../ports/groupChanges.js";
import { asTransient, GraphFailure, type GraphApi } from "./graph.js";

const USER_FIELDS = "id,displayName,userPrincipalName,mail,accountEnabled";

interface GraphUser {
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  accountEnabled?: boolean | null;
}

interface DeltaPage {
  value?: { id: string; "members@delta"?: { "@odata.type"?: string; id: string; "@removed"?: unknown }[] }[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

export class GraphDirectory implements Directory, GroupChanges {
  constructor(private readonly graph: GraphApi) {}

  async getUser(oid: string): Promise<DirectoryUser | undefined> {
    try {
      const user = await this.graph.get<GraphUser>(`/users/${encodeURIComponent(oid)}?$select=${USER_FIELDS}`);
      return user ? toUser(user) : undefined;
    } catch (error) {
      return asTransient(error, "read a user");
    }
  }

  async checkMemberGroups(oid: string, groupIds: readonly string[]): Promise<readonly string[]> {
    try {
      const result = await this.graph.post<{ value: string[] }>(`/users/${encodeURIComponent(oid)}/checkMemberGroups`, {
        groupIds,
      });
      return result.value;
    } catch (error) {
      if (error instanceof GraphFailure && error.status === 404) return []; // no such user: in no group
      return asTransient(error, "check group membership");
    }
  }

  async listTransitiveUsers(groupId: string): Promise<readonly DirectoryUser[]> {
    try {
      const users = await this.graph.getAll<GraphUser>(
        `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=${USER_FIELDS}&$top=999`,
      );
      return users.map(toUser);
    } catch (error) {
      return asTransient(error, "list group members");
    }
  }

  async getGroup(groupId: string): Promise<DirectoryGroup | undefined> {
    try {
      const group = await this.graph.get<{ id: string; displayName?: string | null }>(
        `/groups/${encodeURIComponent(groupId)}?$select=id,displayName`,
      );
      return group ? { id: group.id, displayName: group.displayName ?? group.id } : undefined;
    } catch (error) {
      return asTransient(error, "read a group");
    }
  }

  async membershipDelta(groupId: string, deltaLink?: string): Promise<MembershipDelta> {
    const changes: MemberChange[] = [];
    let next: string | undefined =
      deltaLink ?? `/groups/delta?$filter=id eq '${encodeURIComponent(groupId)}'&$select=members`;
    try {
      for (;;) {
        const page: DeltaPage | undefined = await this.graph.get<DeltaPage>(next);
        for (const group of page?.value ?? []) {
          if (group.id.toLowerCase() !== groupId.toLowerCase()) continue;
          for (const member of group["members@delta"] ?? []) {
            changes.push({
              id: member.id,
              kind: memberKind(member["@odata.type"]),
              change: member["@removed"] ? "removed" : "added",
            });
          }
        }
        if (page?.["@odata.nextLink"]) next = page["@odata.nextLink"];
        else if (page?.["@odata.deltaLink"]) return { kind: "changes", changes, deltaLink: page["@odata.deltaLink"] };
        else throw new GraphFailure(502, "NO_DELTA_LINK", "a delta page had neither a next nor a delta link");
      }
    } catch (error) {
      // An expired or unknown delta token: Graph wants a full resync.
      if (
        deltaLink &&
        error instanceof GraphFailure &&
        (error.status === 410 || /syncStateNotFound|resyncRequired/i.test(error.code))
      ) {
        return { kind: "resync-required" };
      }
      return asTransient(error, "read group changes");
    }
  }
}

function toUser(user: GraphUser): DirectoryUser {
  return {
    oid: user.id,
    upn: user.userPrincipalName ?? "",
    displayName: user.displayName ?? user.userPrincipalName ?? user.id,
    mail: user.mail ?? undefined,
    accountEnabled: user.accountEnabled === true,
  };
}

function memberKind(odataType: string | undefined): MemberChange["kind"] {
  if (odataType === "#microsoft.graph.user") return "user";
  if (odataType === "#microsoft.graph.group") return "group";
  return "other";
}
