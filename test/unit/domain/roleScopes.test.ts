// Whether a role assignment covers a cluster: at the cluster or a scope above it, by whole path
// segments, in any casing, with the role named by its full id or its GUID.
import { describe, expect, it } from "vitest";
import { holdsRoleAt } from "../../../src/domain/permissions.js";

const ROLE = "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8";
const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001";
const CLUSTER = `${SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-1`;
const fullRole = (guid: string) => `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

describe("holdsRoleAt", () => {
  it.each([
    ["the cluster itself", CLUSTER, fullRole(ROLE), true],
    ["its resource group", `${SUB}/resourceGroups/rg-aks`, fullRole(ROLE), true],
    ["its subscription, the role as a bare GUID", SUB, ROLE, true],
    ["the root scope", "/", ROLE, true],
    ["a management group", "/providers/Microsoft.Management/managementGroups/mg-prod", ROLE, true],
    ["another casing of the scope and role", CLUSTER.toUpperCase(), fullRole(ROLE.toUpperCase()), true],
    ["a resource group whose name only starts alike", `${SUB}/resourceGroups/rg-ak`, ROLE, false],
    ["a sibling resource group", `${SUB}/resourceGroups/rg-aks2`, ROLE, false],
    ["a scope below the cluster", `${CLUSTER}/namespaces/default`, ROLE, false],
    ["another role at the cluster", CLUSTER, fullRole("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"), false],
  ])("an assignment at %s: %s", (_, scope, roleDefinitionId, expected) => {
    expect(holdsRoleAt(CLUSTER, [{ scope, roleDefinitionId }], ROLE)).toBe(expected);
  });

  it("holds when any one of several assignments covers the cluster", () => {
    const other = { scope: CLUSTER, roleDefinitionId: fullRole("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b") };
    expect(holdsRoleAt(CLUSTER, [other, { scope: SUB, roleDefinitionId: fullRole(ROLE) }], ROLE)).toBe(true);
    expect(holdsRoleAt(CLUSTER, [other], ROLE)).toBe(false);
    expect(holdsRoleAt(CLUSTER, [], ROLE)).toBe(false);
  });
});
