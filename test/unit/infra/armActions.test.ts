// One list of ARM actions (src/domain/armActions.ts) and three places that must agree with
// it, each checked both ways: the custom roles in infra/azuredeploy.json, the README's permissions
// table, and the requests the real ARM and Log Analytics adapters send (recorded by the loopback fakes).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARM_ACTIONS, armActionsAt } from "../../../src/domain/armActions.js";
import { ArmActivityLog } from "../../../src/adapters/azure/armActivityLog.js";
import { ArmClusterAuthorization } from "../../../src/adapters/azure/armAuthorization.js";
import { ArmClusterControl } from "../../../src/adapters/azure/armClusterControl.js";
import { LogAnalyticsKubeAudit } from "../../../src/adapters/azure/logAnalyticsKubeAudit.js";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import { AZURE_GROUPS } from "../../support/azureWorld.js";
import { FakeArm } from "../../support/fakes/fakeArm.js";
import { FakeLogAnalytics } from "../../support/fakes/fakeLogAnalytics.js";
import { fakeCredential } from "../../support/fakes/https.js";
import { readJson, resourcesIn, ROOT, type Resource, type Template } from "./armTemplate.js";

const template = readJson<Template>("infra/azuredeploy.json");
const ALL_ACTIONS = Object.values(ARM_ACTIONS)
  .map((entry) => entry.action)
  .sort();
const ID =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-a";
const cluster = parseManagedClusterId(ID)!;

function roleActions(nameVariable: string): string[] {
  const role = template.resources.find(
    (resource) =>
      resource.type === "Microsoft.Authorization/roleDefinitions" && resource.name === `[variables('${nameVariable}')]`,
  ) as (Resource & { properties: { permissions: { actions: string[] }[] } }) | undefined;
  if (!role) throw new Error(`no role definition named by ${nameVariable}`);
  return role.properties.permissions.flatMap((permission) => permission.actions).sort();
}

/**
 * The RBAC action an ARM request needs: the resource types of its path after the last provider (an
 * extension resource such as a cluster's diagnostic settings is its own provider's), then
 * read/write/delete or the POST's action.
 */
function actionOf(method: string, path: string): string {
  const [namespace, ...segments] = path
    .split(/\/providers\//i)
    .pop()!
    .split("/");
  const postAction = method === "POST" && segments.length % 2 === 1 ? segments.pop() : undefined;
  const types = segments.filter((_, index) => index % 2 === 0);
  const verb = postAction ? `${postAction}/action` : { GET: "read", PUT: "write", DELETE: "delete" }[method];
  return [namespace, ...types, verb].join("/");
}

/**
 * What a resource-context query of Log Analytics needs at the resource: a read of each table it
 * reads (Microsoft.Insights/logs/{table}/read), the tables being the legs of its union.
 */
function logActionsOf(query: string): string[] {
  const union = query.split(/^union\b/m)[1]?.split(/^\|/m)[0] ?? "";
  return [...union.matchAll(/^\s+\((\w+)/gm)].map((match) => `Microsoft.Insights/logs/${match[1]}/read`);
}

describe("the ARM actions the app needs", () => {
  it("are the custom roles' actions: cluster actions on each cluster, the others on its subscription", () => {
    expect(roleActions("clusterRoleName")).toEqual(armActionsAt("cluster"));
    expect(roleActions("subscriptionRoleName")).toEqual(armActionsAt("subscription"));
    const assignments = resourcesIn(template).filter(
      (resource) => resource.type === "Microsoft.Authorization/roleAssignments" && resource.scope !== undefined,
    );
    expect(assignments.map((resource) => resource.scope)).toContain(
      "[format('Microsoft.ContainerService/managedClusters/{0}', last(split(parameters('scopeId'), '/')))]",
    );
  });

  it("are the README's permissions table", () => {
    const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
    const section = readme.split("### Permissions the app's identity needs")[1]!.split(/\n#/)[0]!;
    const listed = [...section.matchAll(/`(Microsoft\.[A-Za-z]+\/[A-Za-z/]+)`/g)].map((match) => match[1]!);
    expect([...new Set(listed)].sort()).toEqual(ALL_ACTIONS);
  });

  describe("are what the ARM adapters call", () => {
    let arm: FakeArm;
    let logs: FakeLogAnalytics;
    beforeAll(async () => {
      [arm, logs] = await Promise.all([new FakeArm().start(), new FakeLogAnalytics().start()]);
      arm.pollsPerOperation = 1;
      arm.addCluster(ID);
    });
    afterAll(() => Promise.all([arm.stop(), logs.stop()]));

    it("every request of a read, an enable, a rotation, an Activity Log read, readiness's reads and a kube-audit query maps to a listed action, and back", async () => {
      const control = new ArmClusterControl(fakeCredential, { endpoint: arm.url, pollIntervalMs: 5, maxRetries: 0 });
      const read = await control.read(cluster);
      if (read.kind !== "found") throw new Error("the fake ARM lost its cluster");
      expect(await control.setLocalAccounts(cluster, true, read.state.etag)).toEqual({ kind: "written" });
      expect(await control.rotateCertificates(cluster)).toEqual({ kind: "rotated" });
      await new ArmActivityLog(fakeCredential, arm.url, 0).adminCredentialFetches(cluster, new Date(0), new Date());
      const readiness = new ArmClusterAuthorization(fakeCredential, { endpoint: arm.url, maxRetries: 0 });
      await readiness.appPermissions(cluster);
      await readiness.roleAssignments(cluster, AZURE_GROUPS.emergency);
      await readiness.diagnosticSettings(cluster);
      await new LogAnalyticsKubeAudit(fakeCredential, { endpoint: logs.url, maxRetries: 0 }).adminCalls(
        cluster,
        new Date(0),
        new Date(),
      );
      // Each query is asked in the cluster's context, so its table reads are needed on the cluster.
      expect(logs.queries().map((query) => query.scope)).toEqual([ID]);
      const called = [
        ...new Set([
          ...arm.requests.map((request) => actionOf(request.method, request.path)),
          ...logs.queries().flatMap((query) => logActionsOf(query.query)),
        ]),
      ].sort();
      expect(called.map((action) => action.toLowerCase())).toEqual(ALL_ACTIONS.map((action) => action.toLowerCase()));
    });

    it("a refusal names the action the identity lacks", async () => {
      const control = new ArmClusterControl(fakeCredential, { endpoint: arm.url, pollIntervalMs: 5, maxRetries: 0 });
      const read = await control.read(cluster);
      if (read.kind !== "found") throw new Error("the fake ARM lost its cluster");
      arm.inject({
        method: "PUT",
        response: { status: 403, body: { error: { code: "AuthorizationFailed", message: "no" } } },
      });
      const refused = await control.setLocalAccounts(cluster, false, read.state.etag);
      expect(refused).toMatchObject({
        kind: "rejected",
        message: expect.stringContaining(ARM_ACTIONS.writeCluster.action),
      });
    });
  });
});
