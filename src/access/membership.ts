import type { Roles } from "../domain/access.js";
import type { Directory, DirectoryUser } from "../ports/directory.js";

export interface GroupIds {
  readonly emergencyGroupId: string;
  readonly approverGroupId: string;
}

export interface Member {
  readonly user: DirectoryUser | undefined;
  readonly roles: Roles;
}

/** Asks the directory, now, who this person is and which of the two groups they belong to. */
export async function lookUpMember(directory: Directory, groups: GroupIds, oid: string): Promise<Member> {
  const user = await directory.getUser(oid);
  if (!user) return { user, roles: { accountEnabled: undefined, emergencyMember: false, approver: false } };
  const memberOf = new Set(
    (await directory.checkMemberGroups(oid, [groups.emergencyGroupId, groups.approverGroupId])).map((id) =>
      id.toLowerCase(),
    ),
  );
  return {
    user,
    roles: {
      accountEnabled: user.accountEnabled,
      emergencyMember: memberOf.has(groups.emergencyGroupId.toLowerCase()),
      approver: memberOf.has(groups.approverGroupId.toLowerCase()),
    },
  };
}
