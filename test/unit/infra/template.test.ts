// infra/azuredeploy.json checked offline: it parses, names only real resource API versions, every
// expression it uses refers to something declared, and it carries no shared key in any form.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  callsIn,
  expressionOf,
  readJson,
  resourcesIn,
  ROOT,
  stringsOf,
  templatesIn,
  type Resource,
  type Template,
} from "./armTemplate.js";

const template = readJson<Template>("infra/azuredeploy.json");
const parametersFile = readJson<{ parameters: Record<string, unknown> }>("infra/azuredeploy.parameters.json");

/**
 * The API versions each resource type may use: versions published in the Azure resource reference
 * (learn.microsoft.com/azure/templates/<namespace>/<type>, "API versions" list), as of 2026.
 */
const KNOWN_API_VERSIONS: Record<string, readonly string[]> = {
  // learn.microsoft.com/azure/templates/microsoft.managedidentity/userassignedidentities
  "Microsoft.ManagedIdentity/userAssignedIdentities": ["2023-01-31", "2024-11-30"],
  // learn.microsoft.com/azure/templates/microsoft.storage/storageaccounts (and …/blobservices/containers)
  "Microsoft.Storage/storageAccounts": ["2023-01-01", "2023-05-01", "2024-01-01"],
  "Microsoft.Storage/storageAccounts/blobServices/containers": ["2023-01-01", "2023-05-01", "2024-01-01"],
  // learn.microsoft.com/azure/templates/microsoft.operationalinsights/workspaces
  "Microsoft.OperationalInsights/workspaces": ["2022-10-01", "2023-09-01"],
  // learn.microsoft.com/azure/templates/microsoft.insights/components
  "Microsoft.Insights/components": ["2020-02-02"],
  // learn.microsoft.com/azure/templates/microsoft.web/serverfarms, …/sites, …/sites/config,
  // …/sites/basicpublishingcredentialspolicies (Flex Consumption needs 2023-12-01 or later)
  "Microsoft.Web/serverfarms": ["2023-12-01", "2024-04-01"],
  "Microsoft.Web/sites": ["2023-12-01", "2024-04-01"],
  "Microsoft.Web/sites/config": ["2023-12-01", "2024-04-01"],
  "Microsoft.Web/sites/basicPublishingCredentialsPolicies": ["2023-12-01", "2024-04-01"],
  // learn.microsoft.com/azure/templates/microsoft.authorization/roleassignments and …/roledefinitions
  "Microsoft.Authorization/roleAssignments": ["2022-04-01"],
  "Microsoft.Authorization/roleDefinitions": ["2022-04-01"],
  // learn.microsoft.com/azure/templates/microsoft.resources/deployments
  "Microsoft.Resources/deployments": ["2022-09-01", "2024-03-01"],
};

/** Resource types the template refers to without declaring them: Azure's built-in role definitions. */
const BUILT_IN_TYPES = new Set(["Microsoft.Authorization/roleDefinitions"]);

/** The template functions it may call (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions). */
const TEMPLATE_FUNCTIONS = new Set(
  (
    "concat format guid join last length map lambda lambdaVariables newGuid parameters reference replace " +
    "resourceGroup resourceId subscription subscriptionResourceId extensionResourceId split toLower union " +
    "uniqueString variables createArray copyIndex environment if empty equals"
  ).split(" "),
);

type Call = ReturnType<typeof callsIn>[number];

function callsOf(scope: Template): { path: string; call: Call }[] {
  return stringsOf(scope).flatMap(({ path, value }) => {
    const expression = expressionOf(value);
    return expression ? callsIn(expression).map((call) => ({ path, call })) : [];
  });
}

function literal(call: Call, index: number): string | undefined {
  const arg = call.args[index];
  return arg?.kind === "string" ? arg.value : undefined;
}

const RESOURCE_ID_FUNCTIONS: Record<string, number> = {
  resourceId: 0,
  subscriptionResourceId: 0,
  extensionResourceId: 1,
};

/** What an expression refers to that its scope does not declare, as readable problems. */
function unresolved(scope: Template): string[] {
  const declaredTypes = new Set(scope.resources.map((resource) => resource.type));
  const problems: string[] = [];
  for (const { path, call } of callsOf(scope)) {
    const name = literal(call, 0);
    if (!TEMPLATE_FUNCTIONS.has(call.name)) problems.push(`${path}: unknown function ${call.name}()`);
    if (call.name === "parameters" && !(name && scope.parameters?.[name]))
      problems.push(`${path}: parameters('${name}') is not declared`);
    if (call.name === "variables" && !(name && name in (scope.variables ?? {})))
      problems.push(`${path}: variables('${name}') is not declared`);
    const typeIndex = RESOURCE_ID_FUNCTIONS[call.name];
    if (typeIndex !== undefined) {
      const type = literal(call, typeIndex);
      if (!type || !(declaredTypes.has(type) || BUILT_IN_TYPES.has(type)))
        problems.push(`${path}: ${call.name}() of ${type ?? "a computed type"}, which the template does not declare`);
      const declaredNames = scope.resources.filter((resource) => resource.type === type).map(nameText);
      if (call.name === "resourceId" && call.args.length === 2 && !declaredNames.includes(call.args[1]!.text))
        problems.push(`${path}: ${call.text} names no declared ${type}`);
    }
    if (call.name === "reference") problems.push(...referenceProblems(path, call, declaredTypes));
  }
  for (const resource of scope.resources)
    for (const dependency of resource.dependsOn ?? [])
      if (!dependencyResolves(scope, dependency))
        problems.push(`${resource.type}: dependsOn ${dependency} resolves to nothing`);
  return problems;
}

function nameText(resource: Resource): string {
  return resource.name.startsWith("[") ? resource.name.slice(1, -1) : `'${resource.name}'`;
}

function referenceProblems(path: string, call: Call, declaredTypes: Set<string>): string[] {
  const target = call.args[0];
  if (target?.kind !== "call" || target.name !== "resourceId")
    return [`${path}: reference() of something other than resourceId(): ${call.text}`];
  const type = literal(target, 0) ?? "";
  const version = literal(call, 1);
  if (!declaredTypes.has(type)) return [`${path}: reference() of undeclared ${type}`];
  return version && KNOWN_API_VERSIONS[type]?.includes(version)
    ? []
    : [`${path}: reference() of ${type} with unknown API version ${version}`];
}

function dependencyResolves(scope: Template, dependency: string): boolean {
  const expression = expressionOf(dependency);
  const names = scope.resources.map(nameText);
  if (!expression) return names.includes(`'${dependency}'`);
  if (expression.kind === "call" && expression.name === "variables") return names.includes(expression.text);
  if (expression.kind !== "call" || RESOURCE_ID_FUNCTIONS[expression.name] === undefined) return false;
  const type = literal(expression, RESOURCE_ID_FUNCTIONS[expression.name]!);
  return scope.resources.some((resource) => resource.type === type);
}

describe("the ARM template", () => {
  it("parses, with a parameters file that gives every required parameter and nothing undeclared", () => {
    expect(template.$schema).toMatch(/deploymentTemplate\.json#$/);
    const declared = Object.keys(template.parameters ?? {});
    const required = declared.filter((name) => template.parameters![name]!.defaultValue === undefined);
    const given = Object.keys(parametersFile.parameters);
    expect(given.filter((name) => !declared.includes(name))).toEqual([]);
    expect(required.filter((name) => !given.includes(name))).toEqual([]);
  });

  it("uses only real API versions, for every resource of every nested template", () => {
    const unknown = resourcesIn(template)
      .filter((resource) => !KNOWN_API_VERSIONS[resource.type]?.includes(resource.apiVersion))
      .map((resource) => `${resource.type}@${resource.apiVersion}`);
    expect(unknown).toEqual([]);
  });

  it("refers only to declared parameters, variables and resources, in each expression scope", () => {
    const scopes = templatesIn(template);
    expect(scopes.length).toBeGreaterThan(1); // the nested per-cluster and per-subscription deployments
    expect(scopes.flatMap(unresolved)).toEqual([]);
  });

  it("parses every bracket expression (a typo in one fails here, not at deployment)", () => {
    const expressions = templatesIn(template).flatMap((scope) =>
      stringsOf(scope).filter(({ value }) => expressionOf(value) !== undefined),
    );
    expect(expressions.length).toBeGreaterThan(50);
  });

  it("has no shared key anywhere in infra/: no listKeys(), account key, SAS or keyed connection string", () => {
    const dir = resolve(ROOT, "infra");
    for (const file of readdirSync(dir)) {
      const text = readFileSync(resolve(dir, file), "utf8");
      for (const forbidden of [
        /listKeys\s*\(/i,
        /list\w*Sas\s*\(/i,
        /AccountKey\s*=/i,
        /SharedAccessKey/i,
        /DefaultEndpointsProtocol/i,
        /InstrumentationKey\s*=/i,
        /[?&]sig=/i,
      ])
        expect(text, `${file} matches ${String(forbidden)}`).not.toMatch(forbidden);
    }
    const storage = template.resources.find((resource) => resource.type === "Microsoft.Storage/storageAccounts")!;
    expect(storage.properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false });
  });
});
