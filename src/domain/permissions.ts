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
