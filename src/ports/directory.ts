export interface DirectoryUser {
  readonly oid: string;
  readonly upn: string;
  readonly displayName: string;
  readonly mail: string | undefined;
  /** A disabled account is never a valid requester or approver. */
  readonly accountEnabled: boolean;
}

export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
}

/** Entra ID as the app needs it. Membership is transitive and strongly consistent. */
export interface Directory {
  getUser(oid: string): Promise<DirectoryUser | undefined>;
  /** Of `groupIds`, the groups the user belongs to, directly or through nested groups. */
  checkMemberGroups(oid: string, groupIds: readonly string[]): Promise<readonly string[]>;
  /** Every user in the group, directly or through nested groups. */
  listTransitiveUsers(groupId: string): Promise<readonly DirectoryUser[]>;
  getGroup(groupId: string): Promise<DirectoryGroup | undefined>;
}
