// The readiness checks of the tenant (docs/design.md §10): the Graph application roles the app's
// token carries, enough approvers who can act, the mail sender, and Conditional Access policies
// that would block the emergency group's sign-in to AKS. Reading only.
import type { ReadinessCheck } from "../domain/readiness.js";
import type { Directory, DirectoryUser } from "../ports/directory.js";
import type { ConditionalAccessPolicyFact, Readable, TenantPolicies } from "../ports/readinessFacts.js";
import { guardedCheck } from "./checkResults.js";

/** The Azure Kubernetes Service AAD Server application: what `az aks get-credentials` signs in to. */
export const AKS_AAD_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** Azure Resource Manager: what `az aks get-credentials --admin` signs in to. */
export const AZURE_RESOURCE_MANAGER_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";

/** The sign-ins a window needs that a Conditional Access policy could block. */
const AKS_SIGN_IN_APP_IDS = [AKS_AAD_SERVER_APP_ID, AZURE_RESOURCE_MANAGER_APP_ID];

export interface TenantCheckDependencies {
  readonly tenantPolicies: TenantPolicies;
  readonly directory: Directory;
  readonly emergencyGroupId: string;
  readonly approverGroupId: string;
  readonly requiredApprovals: number;
  readonly mailSender: string | undefined;
  /** Graph change notifications are on (BREAKGLASS_GRAPH_CLIENT_STATE), which need Group.Read.All. */
  readonly changeNotifications: boolean;
  readonly log: (message: string) => void;
}

/** A Graph application role the app uses, what goes without it, and the broader roles that include it. */
interface GraphRoleNeed {
  readonly role: string;
  readonly disables: string;
  readonly includedIn: readonly string[];
  /** Whether its absence stops break-glass (a red check) or only an optional feature (reported). */
  readonly required: (deps: TenantCheckDependencies) => boolean;
}

const DIRECTORY_READ = ["Directory.Read.All", "Directory.ReadWrite.All"];

const GRAPH_ROLE_NEEDS: readonly GraphRoleNeed[] = [
  {
    role: "GroupMember.Read.All",
    disables: "membership checks and approver lists: nobody could request or approve",
    includedIn: ["Group.Read.All", "Group.ReadWrite.All", ...DIRECTORY_READ],
    required: () => true,
  },
  {
    role: "User.Read.All",
    disables: "user lookup: requesters and approvers could not be told enabled from disabled",
    includedIn: ["User.ReadWrite.All", ...DIRECTORY_READ],
    required: () => true,
  },
  {
    role: "Mail.Send",
    disables: "email from BREAKGLASS_MAIL_SENDER",
    includedIn: [],
    required: (deps) => deps.mailSender !== undefined,
  },
  {
    role: "Group.Read.All",
    disables: "Graph change notifications of the groups",
    includedIn: ["Group.ReadWrite.All", ...DIRECTORY_READ],
    required: (deps) => deps.changeNotifications,
  },
  {
    role: "AuditLog.Read.All",
    disables: "who changed a group (alerts say unknown)",
    includedIn: [],
    required: () => false,
  },
  {
    role: "Policy.Read.All",
    disables: "the Conditional Access check",
    includedIn: [],
    required: () => false,
  },
];

const grantGraphRoleCommand = (role: string) =>
  `grant the app's identity the Microsoft Graph application permission ${role} (README, Deployment, step 4)`;

/** The roles the token carries against those the app uses; optional ones missing are reported, not failed. */
export function graphRolesCheck(deps: TenantCheckDependencies, roles: readonly string[]): ReadinessCheck {
  const held = new Set(roles.map((role) => role.toLowerCase()));
  const has = (need: GraphRoleNeed) => [need.role, ...need.includedIn].some((role) => held.has(role.toLowerCase()));
  const missing = GRAPH_ROLE_NEEDS.filter((need) => !has(need));
  const describe = (needs: readonly GraphRoleNeed[]) =>
    needs.map((need) => `${need.role} (without it: ${need.disables})`).join("; ");
  const blocking = missing.filter((need) => need.required(deps));
  if (blocking.length > 0)
    return {
      name: "graph-roles",
      ok: false,
      code: "GRAPH_ROLE_MISSING",
      message: `the app's token lacks ${describe(blocking)}`,
      fix: blocking.map((need) => grantGraphRoleCommand(need.role)).join("\n"),
    };
  if (missing.length > 0)
    return { name: "graph-roles", ok: true, message: `optional roles missing: ${describe(missing)}` };
  return { name: "graph-roles", ok: true };
}

/** At least the required number of enabled approvers, and not every one of them in the emergency group. */
export async function approversCheck(deps: TenantCheckDependencies): Promise<ReadinessCheck> {
  const enabled = (await deps.directory.listTransitiveUsers(deps.approverGroupId)).filter(
    (user: DirectoryUser) => user.accountEnabled,
  );
  const fix = `az ad group member add --group ${deps.approverGroupId} --member-id <object id of an approver>`;
  if (enabled.length < deps.requiredApprovals)
    return {
      name: "approvers",
      ok: false,
      code: "TOO_FEW_APPROVERS",
      message: `the approver group ${deps.approverGroupId} has ${enabled.length} enabled member(s); ${deps.requiredApprovals} approval(s) are required`,
      fix,
    };
  const inEmergency = await Promise.all(
    enabled.map(async (user) => (await deps.directory.checkMemberGroups(user.oid, [deps.emergencyGroupId])).length > 0),
  );
  // An approver in both groups may not approve their own request: for it, one approver fewer.
  const forTheirOwn = inEmergency.some(Boolean) ? enabled.length - 1 : enabled.length;
  if (inEmergency.every(Boolean) || forTheirOwn < deps.requiredApprovals)
    return {
      name: "approvers",
      ok: false,
      code: "TOO_FEW_APPROVERS",
      message: inEmergency.every(Boolean)
        ? `every enabled approver of ${deps.approverGroupId} is also in the emergency group ${deps.emergencyGroupId}: nobody outside it would approve`
        : `a request by an approver who is also in the emergency group would find ${forTheirOwn} other approver(s); ${deps.requiredApprovals} are required`,
      fix,
    };
  return { name: "approvers", ok: true };
}

/** The mailbox email is sent from exists; nothing to check when email is not configured. */
export async function mailSenderCheck(deps: TenantCheckDependencies): Promise<ReadinessCheck> {
  if (deps.mailSender === undefined || (await deps.directory.getUser(deps.mailSender)))
    return { name: "mail-sender", ok: true };
  return {
    name: "mail-sender",
    ok: false,
    code: "MAIL_SENDER_NOT_FOUND",
    message: "BREAKGLASS_MAIL_SENDER is not a mailbox of the tenant: approvers would get no email",
    fix: "set BREAKGLASS_MAIL_SENDER to the UPN or object id of an existing mailbox",
  };
}

/** Enabled policies that target AKS (or every app) must exclude the emergency group; unreadable is reported, not failed. */
export function conditionalAccessCheck(
  emergencyGroupId: string,
  fact: Readable<readonly ConditionalAccessPolicyFact[]>,
): ReadinessCheck {
  const name = "conditional-access";
  if (fact.kind === "forbidden")
    return {
      name,
      ok: true,
      code: "CONDITIONAL_ACCESS_UNREADABLE",
      message: "not checked: the app lacks the Microsoft Graph application permission Policy.Read.All",
    };
  const targetsAks = (policy: ConditionalAccessPolicyFact) =>
    policy.includeApplications.some((app) => ["all", ...AKS_SIGN_IN_APP_IDS].includes(app.toLowerCase()));
  const blocking = fact.value.filter(
    (policy) =>
      policy.state === "enabled" &&
      targetsAks(policy) &&
      !policy.excludeGroups.some((group) => group.toLowerCase() === emergencyGroupId.toLowerCase()),
  );
  if (blocking.length === 0) return { name, ok: true };
  return {
    name,
    ok: false,
    code: "CONDITIONAL_ACCESS_NOT_EXCLUDED",
    message: `Conditional Access ${blocking.map((policy) => `"${policy.displayName}" (${policy.id})`).join(", ")} applies to AKS and does not exclude the emergency group ${emergencyGroupId}: its sign-in may be blocked when it matters`,
    fix: blocking
      .map((policy) => `add the emergency group ${emergencyGroupId} to the excluded groups of policy ${policy.id}`)
      .join("\n"),
  };
}

/** Every tenant check, in parallel; a fact that cannot be read fails its own check only. */
export function checkTenant(deps: TenantCheckDependencies): Promise<ReadinessCheck[]> {
  const tenant = "the tenant";
  return Promise.all([
    guardedCheck("graph-roles", tenant, deps.log, async () =>
      graphRolesCheck(deps, await deps.tenantPolicies.appRoles()),
    ),
    guardedCheck("approvers", tenant, deps.log, () => approversCheck(deps)),
    guardedCheck("mail-sender", tenant, deps.log, () => mailSenderCheck(deps)),
    guardedCheck("conditional-access", tenant, deps.log, async () =>
      conditionalAccessCheck(deps.emergencyGroupId, await deps.tenantPolicies.conditionalAccessPolicies()),
    ),
  ]);
}
