// ClusterAuthorization on ARM: the real @azure/arm-authorization and @azure/arm-monitor clients
// against the fake ARM. Every fact as set up, then each condition broken alone changes exactly its
// fact; a refusal names the action the app lacks; what a retry may fix is thrown.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ArmClusterAuthorization } from "../../../src/adapters/azure/armAuthorization.js";
import { ARM_ACTIONS, armActionsAt } from "../../../src/domain/armActions.js";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import { CLUSTER_ADMIN_ROLE_ID } from "../../../src/domain/readiness.js";
import { TransientError } from "../../../src/ports/errors.js";
import { AZURE_GROUPS } from "../../support/azureWorld.js";
import { FakeArm } from "../../support/fakes/fakeArm.js";
import { bearerFor, fakeCredential } from "../../support/fakes/https.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa";
const RESOURCE_GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-prod`;
const ID = `${RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/aks-a`;
const OTHER = `${RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/aks-b`;
const EMERGENCY = AZURE_GROUPS.emergency;
const READER_ROLE_ID = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const cluster = parseManagedClusterId(ID)!;
let arm: FakeArm;
let reader: ArmClusterAuthorization;

beforeAll(async () => {
  arm = await new FakeArm().start();
});
afterAll(() => arm.stop());
beforeEach(() => {
  arm.clusters.clear();
  arm.requests.length = 0;
  arm.roleAssignments.length = 0;
  arm.addCluster(ID);
  arm.addCluster(OTHER);
  arm.assignRole(ID, EMERGENCY, CLUSTER_ADMIN_ROLE_ID);
  arm.assignRole(`/subscriptions/${SUBSCRIPTION}`, EMERGENCY, READER_ROLE_ID);
  arm.assignRole(OTHER, EMERGENCY, READER_ROLE_ID);
  reader = new ArmClusterAuthorization(fakeCredential, { endpoint: arm.url, maxRetries: 0, timeoutMs: 2_000 });
});

const ALL_GRANTS = [
  { actions: armActionsAt("cluster"), notActions: [] },
  { actions: armActionsAt("subscription"), notActions: [] },
];
const CLUSTER_ADMIN = {
  roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${CLUSTER_ADMIN_ROLE_ID}`,
  scope: ID,
  principalId: EMERGENCY,
};
const SUBSCRIPTION_READER = {
  roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${READER_ROLE_ID}`,
  scope: `/subscriptions/${SUBSCRIPTION}`,
  principalId: EMERGENCY,
};
const KUBE_AUDIT = {
  name: "breakglass-audit",
  logCategories: ["kube-audit-admin"],
  workspaceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-aks`,
  destinationType: "Dedicated",
};

async function facts() {
  return {
    permissions: await reader.appPermissions(cluster),
    roles: await reader.roleAssignments(cluster, EMERGENCY),
    diagnostics: await reader.diagnosticSettings(cluster),
  };
}

const AS_SET_UP = {
  permissions: { kind: "read", value: ALL_GRANTS },
  roles: { kind: "read", value: [CLUSTER_ADMIN, SUBSCRIPTION_READER] },
  diagnostics: { kind: "read", value: [KUBE_AUDIT] },
};

describe("ARM cluster authorization", () => {
  it("reads every fact as set up, sending what ARM's REST API documents, with the ARM token", async () => {
    expect(await facts()).toEqual(AS_SET_UP);
    const sent = arm.requests.map((request) => ({
      path: request.path,
      apiVersion: request.query.get("api-version"),
      filter: request.query.get("$filter"),
      authorization: request.headers.authorization,
    }));
    expect(sent).toEqual([
      {
        // The SDK's own spelling of the resource group segment; ARM compares paths without regard to case.
        path: `${ID.replace("resourceGroups", "resourcegroups")}/providers/Microsoft.Authorization/permissions`,
        apiVersion: "2022-04-01",
        filter: null,
        authorization: bearerFor(arm),
      },
      {
        path: `${ID}/providers/Microsoft.Authorization/roleAssignments`,
        apiVersion: "2022-04-01",
        filter: `atScope() and assignedTo('${EMERGENCY}')`,
        authorization: bearerFor(arm),
      },
      {
        path: `${ID}/providers/Microsoft.Insights/diagnosticSettings`,
        apiVersion: "2021-05-01-preview",
        filter: null,
        authorization: bearerFor(arm),
      },
    ]);
  });

  it("an action removed from the app's identity changes only the permissions", async () => {
    arm.revokeAction(ID, ARM_ACTIONS.writeCluster.action);
    const { permissions, ...rest } = await facts();
    expect(permissions).toEqual({
      kind: "read",
      value: [
        {
          actions: armActionsAt("cluster").filter((action) => action !== ARM_ACTIONS.writeCluster.action),
          notActions: [],
        },
        ALL_GRANTS[1],
      ],
    });
    expect(rest).toEqual({ roles: AS_SET_UP.roles, diagnostics: AS_SET_UP.diagnostics });
  });

  it("a read action the app's identity lost is refused by ARM: only that fact becomes forbidden, naming it", async () => {
    arm.revokeAction(ID, ARM_ACTIONS.readDiagnosticSettings.action);
    const { diagnostics, ...rest } = await facts();
    expect(diagnostics).toEqual({
      kind: "forbidden",
      message: expect.stringContaining(ARM_ACTIONS.readDiagnosticSettings.action),
    });
    expect(rest.roles).toEqual(AS_SET_UP.roles);
    expect(rest.permissions).toMatchObject({ kind: "read" });
  });

  it("the Cluster Admin assignment removed changes only the role assignments; an inherited one still counts", async () => {
    arm.unassignRole(EMERGENCY, CLUSTER_ADMIN_ROLE_ID);
    expect(await facts()).toEqual({ ...AS_SET_UP, roles: { kind: "read", value: [SUBSCRIPTION_READER] } });
    arm.assignRole(RESOURCE_GROUP, EMERGENCY, CLUSTER_ADMIN_ROLE_ID);
    expect(await reader.roleAssignments(cluster, EMERGENCY)).toEqual({
      kind: "read",
      value: [SUBSCRIPTION_READER, { ...CLUSTER_ADMIN, scope: RESOURCE_GROUP }],
    });
  });

  it("kube-audit switched off changes only the diagnostic settings", async () => {
    arm.setKubeAudit(ID, false);
    expect(await facts()).toEqual({
      ...AS_SET_UP,
      diagnostics: { kind: "read", value: [{ ...KUBE_AUDIT, logCategories: [] }] },
    });
  });

  it("reads category groups and settings without a workspace or a destination type", async () => {
    arm.cluster(ID).diagnosticSettings.push({
      name: "to-storage",
      logAnalyticsDestinationType: null,
      logs: [{ categoryGroup: "audit", enabled: true }],
    });
    expect(await reader.diagnosticSettings(cluster)).toEqual({
      kind: "read",
      value: [KUBE_AUDIT, { name: "to-storage", logCategories: ["audit"] }],
    });
  });

  it.each([
    ["permissions", "appPermissions", ARM_ACTIONS.readPermissions.action, 403],
    ["roleAssignments", "roleAssignments", ARM_ACTIONS.readRoleAssignments.action, 403],
    ["diagnosticSettings", "diagnosticSettings", ARM_ACTIONS.readDiagnosticSettings.action, 401],
  ] as const)(
    "a %s read ARM refuses is forbidden, naming %s's missing action",
    async (path, method, action, status) => {
      arm.inject({
        path: `/${path}`,
        response: { status, body: { error: { code: "AuthorizationFailed", message: "does not have authorization" } } },
      });
      const refused = await reader[method](cluster, EMERGENCY);
      expect(refused).toEqual({ kind: "forbidden", message: expect.stringContaining(action) });
    },
  );

  it.each([
    [429, "ARM_429", "7", 7_000],
    [500, "ARM_500", undefined, undefined],
    [503, "ARM_503", "2", 2_000],
  ])("a %d is thrown as a TransientError with the server's hint", async (status, code, retryAfter, hint) => {
    for (const path of ["/permissions", "/roleAssignments", "/diagnosticSettings"]) {
      arm.inject({
        path,
        response: {
          status,
          headers: retryAfter ? { "Retry-After": retryAfter } : {},
          body: { error: { code: "Busy", message: "try later" } },
        },
      });
    }
    for (const read of [
      () => reader.appPermissions(cluster),
      () => reader.roleAssignments(cluster, EMERGENCY),
      () => reader.diagnosticSettings(cluster),
    ]) {
      const failure = await read().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TransientError);
      expect(failure).toMatchObject({ code, retryAfterMs: hint });
    }
  });

  it("a read that does not answer in time is a transient timeout", async () => {
    const impatient = new ArmClusterAuthorization(fakeCredential, { endpoint: arm.url, maxRetries: 0, timeoutMs: 100 });
    arm.inject({ path: "/permissions", response: { status: 200, hang: true } });
    await expect(impatient.appPermissions(cluster)).rejects.toMatchObject({ code: "ARM_TIMEOUT" });
  });
});
