// Whether a set of Azure RBAC grants allows an action, as ARM decides it (docs/design.md §10):
// action strings compare without regard to case; `*` in a pattern matches any run of characters
// (`*`, `Microsoft.ContainerService/*`, `*/read`); a grant allows an action that one of its actions
// matches and none of its notActions does. NotActions subtract within their own grant only: another
// role that grants the action still grants it.

/** One role definition's permission block as ARM lists it at a scope (Microsoft.Authorization/permissions). */
export interface PermissionGrant {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
}

function matches(pattern: string, action: string): boolean {
  const regex = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${regex}$`, "i").test(action);
}

/** Whether `action` is allowed by any one grant: matched by one of its actions and by none of its notActions. */
export function isPermitted(action: string, grants: readonly PermissionGrant[]): boolean {
  return grants.some(
    (grant) =>
      grant.actions.some((pattern) => matches(pattern, action)) &&
      !grant.notActions.some((pattern) => matches(pattern, action)),
  );
}

/** The actions of `required` that the grants do not allow, in the order given. */
export function missingActions(required: readonly string[], grants: readonly PermissionGrant[]): string[] {
  return required.filter((action) => !isPermitted(action, grants));
}

/** The path segments of an ARM id, lower-cased: ARM ids compare without regard to case. */
function segments(id: string): string[] {
  return id.toLowerCase().split("/").filter(Boolean);
}

/** The GUID at the end of a role definition id (`/subscriptions/…/roleDefinitions/<guid>` or the bare GUID). */
function roleGuidOf(roleDefinitionId: string): string {
  return segments(roleDefinitionId).at(-1) ?? "";
}

/**
 * Whether one of `assignments` gives role `roleGuid` at `clusterId`: assigned there or at a scope
 * above it (its resource group, subscription, a management group, `/`). Scopes compare by whole
 * path segments, so `/subscriptions/s/resourceGroups/rg` does not cover `…/resourceGroups/rg2`.
 */
export function holdsRoleAt(
  clusterId: string,
  assignments: readonly { readonly roleDefinitionId: string; readonly scope: string }[],
  roleGuid: string,
): boolean {
  const target = segments(clusterId);
  return assignments.some((assignment) => {
    if (roleGuidOf(assignment.roleDefinitionId) !== roleGuid.toLowerCase()) return false;
    const scope = segments(assignment.scope);
    if (scope[0] === "providers" && scope[1] === "microsoft.management") return true;
    return scope.every((part, index) => part === target[index]);
  });
}
