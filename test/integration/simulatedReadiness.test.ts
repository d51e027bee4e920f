// The simulated ARM models what readiness checks (docs/design.md §6): the dev routes take away or
// give back the app's actions, the emergency group's Cluster Admin role and kube-audit; the
// simulation then fails where Azure would, and its ClusterAuthorization reports exactly that.
import { describe, expect, it } from "vitest";
import {
  SimulatedClusterAuthorization,
  SimulatedTenantPolicies,
} from "../../src/adapters/simulation/simulatedAuthorization.js";
import { ARM_ACTION_NAMES, ARM_ACTIONS } from "../../src/domain/armActions.js";
import { holdsRoleAt, missingActions, type PermissionGrant } from "../../src/domain/permissions.js";
import { CLUSTER_ADMIN_ROLE_ID } from "../../src/domain/readiness.js";
import type { Readable } from "../../src/ports/readinessFacts.js";
import { createHarness, MINUTE, NEU, T0, USERS, WEU, type Harness, type Reply } from "../support/harness.js";

const WRITE = ARM_ACTIONS.writeCluster.action;

function expectError(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ error: { code, message: expect.any(String) } });
}

function valueOf<T>(readable: Readable<T>): T {
  if (readable.kind !== "read") throw new Error(`forbidden: ${readable.message}`);
  return readable.value;
}

const setPermission = (h: Harness, action: string, granted: boolean, name = "aks-prod-weu") =>
  h.call(h.app.dev!.devSetPermission, { params: { name }, json: { action, granted } });
const setEmergencyRole = (h: Harness, assigned: boolean) =>
  h.call(h.app.dev!.devSetEmergencyRole, { params: { name: "aks-prod-weu" }, json: { assigned } });
const setAuditLogs = (h: Harness, enabled: boolean) =>
  h.call(h.app.dev!.devSetAuditLogs, { params: { name: "aks-prod-weu" }, json: { enabled } });

async function openWindow(h: Harness): Promise<string> {
  const created = await h.call(h.app.api.createRequest, {
    as: "alice",
    json: { cluster: WEU, justification: "Entra ID outage", ticket: "INC-1", duration: "PT1H" },
  });
  expect(created.status).toBe(202);
  const { id } = created.body as { id: string };
  expect((await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })).status).toBe(202);
  return id;
}

describe("the simulated ARM enforces the app's permissions", () => {
  it("refuses the next open without managedClusters/write, and opens again once it is restored", async () => {
    const h = await createHarness();
    const removed = await setPermission(h, WRITE, false);
    expect(removed).toMatchObject({ status: 200, body: { cluster: WEU, emergencyRoleAssigned: true } });
    expect((removed.body as { appActions: string[] }).appActions).toEqual(
      ARM_ACTION_NAMES.filter((action) => action !== WRITE),
    );

    const refused = await openWindow(h);
    expect(await h.app.requests.get(refused)).toMatchObject({
      status: "failed",
      outcome: {
        code: "AuthorizationFailed",
        message: expect.stringContaining(
          `the app's identity may not enable local accounts on aks-prod-weu: The client does not have authorization to perform action '${WRITE}'`,
        ),
      },
    });
    expect(await h.localAccounts()).toBe("disabled");

    expect((await setPermission(h, WRITE, true)).body).toMatchObject({ appActions: ARM_ACTION_NAMES });
    h.clock.advance(MINUTE);
    const opened = await openWindow(h);
    expect(await h.app.requests.get(opened)).toMatchObject({ status: "open" });
    expect(await h.localAccounts()).toBe("enabled");
  });

  it("answers a read without managedClusters/read and a rotation without its action as the ARM adapter does", async () => {
    const h = await createHarness();
    const clusters = h.world.clusterControl;
    expect(await clusters.read(h.cluster())).toMatchObject({ kind: "found", state: { powerState: "Running" } });
    expect(await clusters.rotateCertificates(h.cluster())).toEqual({ kind: "rotated" });
    await setPermission(h, ARM_ACTIONS.rotateCertificates.action, false);
    expect(await clusters.rotateCertificates(h.cluster())).toEqual({
      kind: "rejected",
      code: "AuthorizationFailed",
      message: expect.stringMatching(
        /^the app's identity may not rotate certificates of aks-prod-weu: .*\(it needs Microsoft\.ContainerService\/managedClusters\/rotateClusterCertificates\/action on the cluster; grant it the role in the README\)$/,
      ),
    });
    expect(await clusters.certificateRotations(h.cluster())).toBe(1);

    await setPermission(h, ARM_ACTIONS.readCluster.action, false);
    await expect(clusters.read(h.cluster())).rejects.toMatchObject({
      name: "TransientError",
      code: "AuthorizationFailed",
      message: expect.stringContaining(
        "ARM refused to read aks-prod-weu: the app's identity may not read aks-prod-weu",
      ),
    });
    await expect(clusters.setLocalAccounts(h.cluster(), true, "*")).rejects.toMatchObject({
      code: "AuthorizationFailed",
    });
    expect((await clusters.read(h.cluster(NEU))).kind).toBe("found");
  });

  it("refuses admin credentials while the emergency group lacks the Cluster Admin role", async () => {
    const h = await createHarness();
    const dev = h.app.dev!;
    const credentials = () =>
      h.call(dev.devAdminCredentials, { as: "alice", params: { name: "aks-prod-weu" }, method: "POST" });
    await h.call(dev.devSetLocalAccounts, { params: { name: "aks-prod-weu" }, json: { enabled: true } });
    expect((await setEmergencyRole(h, false)).body).toMatchObject({ cluster: WEU, emergencyRoleAssigned: false });
    expectError(await credentials(), 403, "EMERGENCY_ROLE_MISSING");
    expect(await h.world.activityLog.adminCredentialFetches(h.cluster(), T0, new Date(T0.getTime() + MINUTE))).toEqual(
      [],
    );
    expect((await setEmergencyRole(h, true)).body).toMatchObject({ emergencyRoleAssigned: true });
    expect((await credentials()).status).toBe(200);
    expect(
      await h.world.activityLog.adminCredentialFetches(h.cluster(), T0, new Date(T0.getTime() + MINUTE)),
    ).toHaveLength(1);
  });
});

describe("the simulation's readiness facts", () => {
  it("report exactly what the dev routes set, on that cluster only", async () => {
    const h = await createHarness();
    const authorization = new SimulatedClusterAuthorization(h.world.clusterControl, h.config.emergencyGroupId);
    const weu = h.cluster();
    const grants = async (cluster = weu): Promise<readonly PermissionGrant[]> =>
      valueOf(await authorization.appPermissions(cluster));
    const emergencyRole = async (cluster = weu, principal = h.config.emergencyGroupId) =>
      holdsRoleAt(cluster.id, valueOf(await authorization.roleAssignments(cluster, principal)), CLUSTER_ADMIN_ROLE_ID);
    const kubeAudit = async (cluster = weu) => valueOf(await authorization.diagnosticSettings(cluster));

    expect(missingActions(ARM_ACTION_NAMES, await grants())).toEqual([]);
    expect(await emergencyRole()).toBe(true);
    expect(await emergencyRole(weu, h.config.emergencyGroupId.toUpperCase())).toBe(true);
    expect(await emergencyRole(weu, USERS.alice.oid)).toBe(false);
    expect(await kubeAudit()).toEqual([
      {
        name: expect.any(String),
        logCategories: ["kube-audit", "kube-audit-admin"],
        workspaceId: expect.stringMatching(/\/providers\/Microsoft\.OperationalInsights\/workspaces\/[\w-]+$/),
        destinationType: "Dedicated",
      },
    ]);

    await setPermission(h, WRITE, false);
    await setPermission(h, ARM_ACTIONS.readActivityLog.action, false);
    await setPermission(h, ARM_ACTIONS.readActivityLog.action, false);
    await setEmergencyRole(h, false);
    await setAuditLogs(h, false);
    expect(missingActions(ARM_ACTION_NAMES, await grants())).toEqual([WRITE, ARM_ACTIONS.readActivityLog.action]);
    expect(await emergencyRole()).toBe(false);
    expect(await kubeAudit()).toEqual([]);
    const neu = h.cluster(NEU);
    expect(missingActions(ARM_ACTION_NAMES, await grants(neu))).toEqual([]);
    expect(await emergencyRole(neu)).toBe(true);
    expect(await kubeAudit(neu)).toHaveLength(1);

    await setPermission(h, ARM_ACTIONS.readActivityLog.action, true);
    await setEmergencyRole(h, true);
    await setAuditLogs(h, true);
    expect(missingActions(ARM_ACTION_NAMES, await grants())).toEqual([WRITE]);
    expect(await emergencyRole()).toBe(true);
    expect(await kubeAudit()).toHaveLength(1);
  });

  it("give the app every Graph role it needs, and no Conditional Access policies", async () => {
    const tenant = new SimulatedTenantPolicies();
    expect(await tenant.appRoles()).toEqual(
      expect.arrayContaining(["GroupMember.Read.All", "User.Read.All", "Mail.Send", "Policy.Read.All"]),
    );
    expect(await tenant.conditionalAccessPolicies()).toEqual({ kind: "read", value: [] });
  });

  it("refuse bad input and change nothing", async () => {
    const h = await createHarness();
    const dev = h.app.dev!;
    const params = { name: "aks-prod-weu" };
    expectError(await setPermission(h, "Microsoft.ContainerService/*", false), 400, "INVALID_REQUEST");
    expectError(await setPermission(h, WRITE.toUpperCase(), false), 400, "INVALID_REQUEST");
    expectError(await setPermission(h, WRITE, false, "aks-dev"), 404, "UNKNOWN_CLUSTER");
    expectError(await h.call(dev.devSetPermission, { params, json: { action: WRITE } }), 400, "INVALID_REQUEST");
    expectError(
      await h.call(dev.devSetPermission, { params, json: { action: WRITE, granted: false, scope: "/" } }),
      400,
      "INVALID_REQUEST",
    );
    expectError(await h.call(dev.devSetEmergencyRole, { params, json: { assigned: "no" } }), 400, "INVALID_REQUEST");
    expectError(
      await h.call(dev.devSetEmergencyRole, { params: { name: "aks-dev" }, json: { assigned: false } }),
      404,
      "UNKNOWN_CLUSTER",
    );
    expectError(await h.call(dev.devSetAuditLogs, { params, json: { on: false } }), 400, "INVALID_REQUEST");
    expectError(
      await h.call(dev.devSetAuditLogs, { params: { name: "aks-dev" }, json: { enabled: false } }),
      404,
      "UNKNOWN_CLUSTER",
    );
    expect(await h.world.clusterControl.facts(h.cluster())).toEqual({
      appActions: ARM_ACTION_NAMES,
      emergencyRoleAssigned: true,
      kubeAuditEnabled: true,
    });
  });
});
