import type { RefusalCode } from "./codes.js";
// Who may do what, decided from what the directory says about a person. The directory is
// asked at the moment of the decision (transitive, strongly consistent); these functions
// only turn its answer into a verdict.

export interface Roles {
  /** Undefined when the directory does not know the person. */
  readonly accountEnabled: boolean | undefined;
  readonly emergencyMember: boolean;
  readonly approver: boolean;
}

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

function accountRefusal(roles: Roles): Refusal | undefined {
  if (roles.accountEnabled === undefined)
    return { code: "UNKNOWN_USER", message: "the directory does not know this user" };
  if (!roles.accountEnabled) return { code: "ACCOUNT_DISABLED", message: "this user's account is disabled" };
  return undefined;
}

/** What each role needs of a person, and what they are told when they lack it. */
const ROLES = {
  requester: {
    holds: (roles: Roles) => roles.emergencyMember,
    refusal: { code: "NOT_EMERGENCY_MEMBER", message: "only members of the emergency group may request a window" },
  },
  approver: {
    holds: (roles: Roles) => roles.approver,
    refusal: { code: "NOT_APPROVER", message: "only members of the approver group may decide requests" },
  },
} as const satisfies Record<string, { holds: (roles: Roles) => boolean; refusal: Refusal }>;

function roleRefusal(roles: Roles, role: keyof typeof ROLES): Refusal | undefined {
  return accountRefusal(roles) ?? (ROLES[role].holds(roles) ? undefined : ROLES[role].refusal);
}

/** Why this person may not request an emergency window, or undefined when they may. */
export function requesterRefusal(roles: Roles): Refusal | undefined {
  return roleRefusal(roles, "requester");
}

/** Why this person may not approve or deny requests, or undefined when they may. */
export function approverRefusal(roles: Roles): Refusal | undefined {
  return roleRefusal(roles, "approver");
}

/** Whether this person may see clusters and their windows: emergency members and approvers with enabled accounts. */
export function mayViewClusters(roles: Roles): boolean {
  return roles.accountEnabled === true && (roles.emergencyMember || roles.approver);
}
