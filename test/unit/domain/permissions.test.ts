import { describe, expect, it } from "vitest";
import { CLUSTER_ADMIN_ROLE_ID } from "../../../src/domain/readiness.js";
import {
  holdsRoleAt,
  isPermitted,
  missingActions,
  type PermissionGrant,
  type ScopedRoleAssignment,
} from "../../../src/domain/permissions.js";
import { CLUSTER_ID } from "../../support/domain.js";

const WRITE = "Microsoft.ContainerService/managedClusters/write";
const READ = "Microsoft.ContainerService/managedClusters/read";
const ROTATE = "Microsoft.ContainerService/managedClusters/rotateClusterCertificates/action";
const ACTIVITY = "Microsoft.Insights/eventtypes/values/read";

const grant = (actions: string[], notActions: string[] = []): PermissionGrant => ({ actions, notActions });

describe("isPermitted: ARM's rule for actions", () => {
  const cases: [string, string, PermissionGrant[], boolean][] = [
    ["the exact action", WRITE, [grant([WRITE])], true],
    ["another action only", WRITE, [grant([READ])], false],
    ["no grants at all", READ, [], false],
    ["a grant with no actions", READ, [grant([])], false],
    ["`*` (Owner, Contributor)", WRITE, [grant(["*"])], true],
    ["a provider wildcard", ROTATE, [grant(["Microsoft.ContainerService/*"])], true],
    ["another provider's wildcard", WRITE, [grant(["Microsoft.Compute/*"])], false],
    ["`*/read` (Reader) for a read", READ, [grant(["*/read"])], true],
    ["`*/read` (Reader) for a write", WRITE, [grant(["*/read"])], false],
    ["`*/read` for a read of another provider", ACTIVITY, [grant(["*/read"])], true],
    ["a wildcard in the middle", READ, [grant(["Microsoft.ContainerService/*/read"])], true],
    ["a wildcard in the middle, another verb", WRITE, [grant(["Microsoft.ContainerService/*/read"])], false],
    ["the action in another casing", WRITE, [grant([WRITE.toUpperCase()])], true],
    ["the pattern in another casing", ROTATE, [grant(["microsoft.containerservice/*"])], true],
    ["a prefix of the action is no match", WRITE, [grant(["Microsoft.ContainerService/managedClusters/wri"])], false],
    ["the action with more after it is no match", `${WRITE}x`, [grant([WRITE])], false],
    ["a dot is a dot, not any character", WRITE, [grant(["MicrosoftXContainerService/managedClusters/write"])], false],
    ["notActions take the action away", WRITE, [grant(["*"], [WRITE])], false],
    ["notActions with a wildcard", WRITE, [grant(["*"], ["Microsoft.ContainerService/*/write"])], false],
    ["notActions in another casing", WRITE, [grant(["*"], [WRITE.toLowerCase()])], false],
    ["notActions leave the rest", READ, [grant(["*"], [WRITE])], true],
    ["another grant's notActions do not subtract", WRITE, [grant([WRITE]), grant(["*"], [WRITE])], true],
    ["the order of the grants does not matter", WRITE, [grant(["*"], [WRITE]), grant([WRITE])], true],
    ["every grant subtracts it", WRITE, [grant(["*"], [WRITE]), grant(["Microsoft.*"], ["*/write"])], false],
    ["one of several grants", ACTIVITY, [grant([READ]), grant([WRITE]), grant(["Microsoft.Insights/*"])], true],
  ];
  it.each(cases)("%s", (_case, action, grants, permitted) => {
    expect(isPermitted(action, grants)).toBe(permitted);
  });

  it("sees no dataActions: a grant's data-plane permissions are not its actions", () => {
    const withDataActions = { actions: [], notActions: [], dataActions: ["*"], notDataActions: [] };
    expect(isPermitted(READ, [withDataActions])).toBe(false);
  });
});

describe("missingActions", () => {
  const required = [READ, WRITE, ROTATE, ACTIVITY];
  const cases: [string, PermissionGrant[], string[]][] = [
    ["all of them, with `*`", [grant(["*"])], []],
    ["none of them, without grants", [], required],
    ["what Reader lacks, in the order asked", [grant(["*/read"])], [WRITE, ROTATE]],
    ["what notActions take away", [grant(["*"], [ROTATE])], [ROTATE]],
    [
      "what several grants together lack",
      [grant(["Microsoft.ContainerService/*"], [WRITE]), grant([ACTIVITY])],
      [WRITE],
    ],
  ];
  it.each(cases)("%s", (_case, grants, missing) => {
    expect(missingActions(required, grants)).toEqual(missing);
  });
});

describe("holdsRoleAt: an assignment applies at its scope and below", () => {
  const ROLE_DEFINITION = `/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/${CLUSTER_ADMIN_ROLE_ID}`;
  const SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000001";
  const GROUP = `${SUBSCRIPTION}/resourceGroups/rg-aks-prod`;
  const at = (scope: string, roleDefinitionId = ROLE_DEFINITION): ScopedRoleAssignment => ({ roleDefinitionId, scope });

  const cases: [string, ScopedRoleAssignment[], boolean][] = [
    ["on the cluster", [at(CLUSTER_ID)], true],
    ["on the cluster, with a trailing slash", [at(`${CLUSTER_ID}/`)], true],
    ["on the cluster, in another casing", [at(CLUSTER_ID.toUpperCase())], true],
    ["on its resource group", [at(GROUP)], true],
    ["on its subscription", [at(SUBSCRIPTION)], true],
    ["on a management group", [at("/providers/Microsoft.Management/managementGroups/contoso")], true],
    ["at the root", [at("/")], true],
    ["the role by its bare GUID", [at(CLUSTER_ID, CLUSTER_ADMIN_ROLE_ID)], true],
    ["the role's GUID in upper case", [at(CLUSTER_ID, ROLE_DEFINITION.toUpperCase())], true],
    [
      "another role on the cluster",
      [at(CLUSTER_ID, ROLE_DEFINITION.replace(/[0-9a-f-]{36}$/, "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"))],
      false,
    ],
    ["on a resource group whose name starts like it", [at(`${GROUP}2`)], false],
    ["on a resource group whose name is the start of its own", [at(`${SUBSCRIPTION}/resourceGroups/rg-aks`)], false],
    ["on another cluster whose name starts like it", [at(CLUSTER_ID.replace("aks-prod-weu", "aks-prod-we"))], false],
    ["on another subscription", [at("/subscriptions/00000000-0000-0000-0000-000000000002")], false],
    ["below the cluster", [at(`${CLUSTER_ID}/agentPools/system`)], false],
    ["on a management-group path that is not one", [at("/providers/Microsoft.Management/managementGroups")], false],
    ["no assignments", [], false],
    [
      "one fitting among others",
      [at(`${GROUP}2`), at(CLUSTER_ID, CLUSTER_ADMIN_ROLE_ID.replace("0a", "ff")), at(GROUP)],
      true,
    ],
  ];
  it.each(cases)("%s", (_case, assignments, held) => {
    expect(holdsRoleAt(CLUSTER_ID, assignments, CLUSTER_ADMIN_ROLE_ID)).toBe(held);
    expect(holdsRoleAt(CLUSTER_ID, assignments, CLUSTER_ADMIN_ROLE_ID.toUpperCase())).toBe(held);
  });
});
