// Whether a set of Azure RBAC grants allows an action, as ARM decides it (docs/design.md §10):
// action strings compare without regard to case; `*` in a pattern matches any run of characters
// (`*`, `Microsoft.ContainerService/*`, `*/read`); a grant allows an action that one of its actions
// matches and none of its notActions does. NotActions subtract within their own grant only: another
// role that grants the action still grants it. A role assignment applies at its own scope and
// every scope below it.

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

/** A role assignment as far as the rule needs it: which role, and where it is assigned. */
export interface ScopedRoleAssignment {
  /** The role definition's full id or its GUID. */
  readonly roleDefinitionId: string;
  readonly scope: string;
}

function scopeSegments(scope: string): string[] {
  return scope
    .toLowerCase()
    .split("/")
    .filter((segment) => segment.length > 0);
}

function roleGuid(roleDefinitionId: string): string {
  return scopeSegments(roleDefinitionId).at(-1) ?? "";
}

/**
 * Whether an assignment at `scope` applies to the resource `resourceId`: the resource itself or an
 * ancestor, segment by segment (`.../resourceGroups/rg` is no ancestor of `.../resourceGroups/rg2/...`).
 * A management group's place above a subscription cannot be read from the ids; the listing at the
 * cluster's scope only returns management groups above it, so each one counts.
 */
function appliesTo(scope: string, resourceId: string): boolean {
  const assigned = scopeSegments(scope);
  if (assigned[0] === "providers" && assigned[1] === "microsoft.management" && assigned[2] === "managementgroups") {
    return assigned.length === 4;
  }
  const resource = scopeSegments(resourceId);
  return assigned.length <= resource.length && assigned.every((segment, index) => segment === resource[index]);
}

/** Whether one of the assignments gives the role (by its GUID, in any casing) at the cluster or above. */
export function holdsRoleAt(
  clusterId: string,
  assignments: readonly ScopedRoleAssignment[],
  roleDefinitionGuid: string,
): boolean {
  const wanted = roleDefinitionGuid.toLowerCase();
  return assignments.some(
    (assignment) => roleGuid(assignment.roleDefinitionId) === wanted && appliesTo(assignment.scope, clusterId),
  );
}
