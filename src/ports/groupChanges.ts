import type { MemberChange } from "../domain/groups.js";

export type { MemberChange };

export type MembershipDelta =
  | { readonly kind: "changes"; readonly changes: readonly MemberChange[]; readonly deltaLink: string }
  /** The stored delta link is no longer accepted: start again without one and compare full lists. */
  | { readonly kind: "resync-required" };

/** Changes to a group's direct members since a previous look (Graph delta query). */
export interface GroupChanges {
  /** Without `deltaLink`: every current member, as added. With it: what changed since. */
  membershipDelta(groupId: string, deltaLink?: string): Promise<MembershipDelta>;
}
