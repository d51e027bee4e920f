// What infra/azuredeploy.json grants for clusters found by BREAKGLASS_CLUSTER_TAG (README:
// Deployment, docs/design.md §12.1): none need be listed; with fleetAccess=subscription the
// cluster-operator role is assigned at each fleet subscription (so Resource Graph sees the clusters
// there and the app may act on the tagged ones), with per-cluster nothing is, and without a tag neither.
import { describe, expect, it } from "vitest";
import { readJson, type Resource, type Template } from "./armTemplate.js";

const template = readJson<Template>("infra/azuredeploy.json");
const deployment = (name: string) =>
  template.resources.find(
    (resource) => resource.type === "Microsoft.Resources/deployments" && resource.name.includes(name),
  ) as
    (Resource & { copy: { count: string }; properties: { parameters: Record<string, { value: string }> } }) | undefined;

describe("the template's grants for clusters found by tag", () => {
  it("lets managedClusterIds be empty", () => {
    expect(template.parameters!.managedClusterIds).toMatchObject({ type: "array", defaultValue: [] });
    expect(template.parameters!.managedClusterIds).not.toHaveProperty("minLength");
  });

  it("assigns the cluster-operator role at each fleet subscription only with a tag and fleetAccess=subscription", () => {
    const fleet = deployment("-fleet-");
    expect(fleet).toBeDefined();
    expect(fleet!.properties.parameters.roleDefinitionName!.value).toBe("[variables('clusterRoleName')]");
    expect(fleet!.copy.count).toBe("[length(variables('fleetRoleSubscriptions'))]");
    expect(template.variables!.fleetRoleSubscriptions).toBe(
      "[if(equals(parameters('fleetAccess'), 'subscription'), variables('fleetSubscriptions'), createArray())]",
    );
    expect(template.variables!.fleetSubscriptions).toMatch(
      /^\[if\(empty\(parameters\('clusterTag'\)\), createArray\(\), /,
    );
    expect(template.parameters!.fleetAccess).toMatchObject({
      defaultValue: "subscription",
      allowedValues: ["subscription", "per-cluster"],
    });
  });

  it("makes both custom roles assignable in the fleet subscriptions, and the operation reader assigned there", () => {
    expect(template.variables!.clusterSubscriptions).toContain("variables('fleetSubscriptions')");
    expect(deployment("-subscription-")!.copy.count).toBe("[length(variables('clusterSubscriptions'))]");
  });
});
