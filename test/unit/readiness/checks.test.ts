// The readiness checks against in-memory facts: all green, then each condition broken alone turns
// exactly its own check red, with its code and fix; facts the app may not read; the cache.
import { describe, expect, it } from "vitest";
import { ARM_ACTIONS } from "../../../src/domain/armActions.js";
import { CLUSTER_ADMIN_ROLE_ID, type ReadinessReport } from "../../../src/domain/readiness.js";
import { TransientError } from "../../../src/ports/errors.js";
import { READINESS_CACHE_MS, READINESS_CLUSTERS_AT_ONCE } from "../../../src/readiness/monitor.js";
import { AKS_AAD_SERVER_APP_ID, AZURE_RESOURCE_MANAGER_APP_ID } from "../../../src/readiness/tenantChecks.js";
import { APPROVERS, clusterFound, EMERGENCY, NEU, ReadinessWorld, SECRET, WEU } from "../../support/readinessWorld.js";

const T0 = new Date("2026-12-01T06:00:00.000Z");
const now = () => T0;

/** Every failing check as `where/name: code`. */
function red(report: ReadinessReport): string[] {
  return [
    ...report.tenant.filter((check) => !check.ok).map((check) => `tenant/${check.name}: ${check.code}`),
    ...report.clusters.flatMap((cluster) =>
      cluster.checks.filter((check) => !check.ok).map((check) => `${cluster.name}/${check.name}: ${check.code}`),
    ),
  ];
}

const check = (report: ReadinessReport, cluster: string | undefined, name: string) =>
  (cluster ? report.clusters.find((found) => found.name === cluster)!.checks : report.tenant).find(
    (found) => found.name === name,
  )!;

describe("readiness checks", () => {
  it("are all green when everything is granted and configured, in the README's API shape", async () => {
    const report = await new ReadinessWorld().monitor(now).report();
    expect(red(report)).toEqual([]);
    expect(report).toMatchObject({ ready: true, checkedAt: T0.toISOString() });
    expect(report.tenant.map((found) => found.name)).toEqual([
      "graph-roles",
      "approvers",
      "mail-sender",
      "conditional-access",
    ]);
    expect(report.clusters.map(({ id, name, ready, checks }) => ({ id, name, ready, n: checks.length }))).toEqual([
      { id: WEU.id, name: "aks-prod-weu", ready: true, n: 4 },
      { id: NEU.id, name: "aks-prod-neu", ready: true, n: 4 },
    ]);
  });

  const broken: [string, (world: ReadinessWorld) => void, string, RegExp][] = [
    [
      "managedClusters/write removed from the app's grants",
      (world) => {
        const grants = world.clusters.get(WEU.id)!.permissions;
        if (grants.kind !== "read") throw new Error("unexpected");
        world.edit(WEU, {
          permissions: {
            kind: "read",
            value: grants.value.map((grant, index) =>
              index === 0 ? { ...grant, notActions: ["Microsoft.ContainerService/managedClusters/write"] } : grant,
            ),
          },
        });
      },
      "aks-prod-weu/app-permissions: PERMISSION_MISSING",
      /^az role assignment create --assignee 5e1f0000-0000-4000-8000-000000000005 --role "AKS break-glass cluster operator \(breakglass-x1\)" --scope \/subscriptions\/.*aks-prod-weu$/,
    ],
    [
      "the Activity Log read (a subscription action) missing",
      (world) =>
        world.edit(WEU, {
          permissions: {
            kind: "read",
            value: [{ actions: ["Microsoft.ContainerService/*"], notActions: [] }],
          },
        }),
      "aks-prod-weu/app-permissions: PERMISSION_MISSING",
      /--role "AKS break-glass operation reader \(breakglass-x1\)" --scope \/subscriptions\/00000000-0000-0000-0000-000000000001$/,
    ],
    [
      "the emergency group's Cluster Admin role removed",
      (world) => world.edit(NEU, { roles: { kind: "read", value: [] } }),
      "aks-prod-neu/emergency-admin-role: EMERGENCY_ROLE_MISSING",
      new RegExp(
        `^az role assignment create --assignee-object-id ${EMERGENCY} --assignee-principal-type Group --role ${CLUSTER_ADMIN_ROLE_ID} --scope ${NEU.id}$`,
      ),
    ],
    [
      "Entra integration off",
      (world) =>
        world.edit(WEU, {
          state: clusterFound({ entraIntegration: false }),
        }),
      "aks-prod-weu/cluster-state: ENTRA_INTEGRATION_OFF",
      /^az aks update .* --name aks-prod-weu --enable-aad$/,
    ],
    [
      "the cluster stopped",
      (world) =>
        world.edit(WEU, {
          state: clusterFound({ powerState: "Stopped" }),
        }),
      "aks-prod-weu/cluster-state: CLUSTER_NOT_UPDATABLE",
      /^az aks start .* --name aks-prod-weu$/,
    ],
    [
      "kube-audit sent to AzureDiagnostics only",
      (world) =>
        world.edit(NEU, {
          diagnostics: {
            kind: "read",
            value: [
              { name: "old", logCategories: ["kube-audit"], workspaceId: "/w", destinationType: "AzureDiagnostics" },
            ],
          },
        }),
      "aks-prod-neu/kube-audit-logs: KUBE_AUDIT_OFF",
      new RegExp(
        `^az monitor diagnostic-settings create --name breakglass-kube-audit --resource ${NEU.id} --workspace <workspace resource id> --export-to-resource-specific true --logs '\\[\\{"category":"kube-audit","enabled":true\\}\\]'$`,
      ),
    ],
    [
      "GroupMember.Read.All missing from the token",
      (world) => (world.appRoles = world.appRoles.filter((role) => role !== "GroupMember.Read.All")),
      "tenant/graph-roles: GRAPH_ROLE_MISSING",
      /GroupMember\.Read\.All/,
    ],
    [
      "the approver group down to one disabled member",
      (world) => (world.approvers = [{ ...world.approvers[0]!, accountEnabled: false }]),
      "tenant/approvers: TOO_FEW_APPROVERS",
      new RegExp(`^az ad group member add --group ${APPROVERS} `),
    ],
    [
      "every approver also in the emergency group",
      (world) => world.emergencyMembers.add("b0b"),
      "tenant/approvers: TOO_FEW_APPROVERS",
      new RegExp(`^az ad group member add --group ${APPROVERS} `),
    ],
    [
      "the mail sender gone",
      (world) => world.mailboxes.clear(),
      "tenant/mail-sender: MAIL_SENDER_NOT_FOUND",
      /BREAKGLASS_MAIL_SENDER/,
    ],
    [
      "a policy for all apps that does not exclude the emergency group",
      (world) =>
        (world.policies = {
          kind: "read",
          value: [
            {
              id: "ca-all",
              displayName: "Block legacy",
              state: "enabled",
              includeApplications: ["All"],
              excludeGroups: [],
            },
          ],
        }),
      "tenant/conditional-access: CONDITIONAL_ACCESS_NOT_EXCLUDED",
      new RegExp(`${EMERGENCY}.*ca-all`),
    ],
    [
      "a policy for Azure Resource Manager (what az aks get-credentials signs in to) that does not exclude the group",
      (world) =>
        (world.policies = {
          kind: "read",
          value: [
            {
              id: "ca-arm",
              displayName: "Compliant device for Azure management",
              state: "enabled",
              includeApplications: [AZURE_RESOURCE_MANAGER_APP_ID],
              excludeGroups: [],
            },
          ],
        }),
      "tenant/conditional-access: CONDITIONAL_ACCESS_NOT_EXCLUDED",
      new RegExp(`${EMERGENCY}.*ca-arm`),
    ],
  ];

  it.each(broken)("%s: exactly that check is red, with its code and fix", async (_, breakIt, expected, fix) => {
    const world = new ReadinessWorld();
    breakIt(world);
    const report = await world.monitor(now).report();
    expect(red(report)).toEqual([expected]);
    expect(report.ready).toBe(false);
    const [where, name] = expected.split(": ")[0]!.split("/") as [string, string];
    const failed = check(report, where === "tenant" ? undefined : where, name);
    expect(failed.message).toBeTruthy();
    expect(failed.fix).toMatch(fix);
  });

  it("stays green for what does not block: a disabled or report-only policy, one for another app, kube-audit among other categories", async () => {
    const world = new ReadinessWorld();
    world.policies = {
      kind: "read",
      value: [
        { id: "a", displayName: "Off", state: "disabled", includeApplications: ["All"], excludeGroups: [] },
        {
          id: "b",
          displayName: "Report",
          state: "enabledForReportingButNotEnforced",
          includeApplications: [AKS_AAD_SERVER_APP_ID],
          excludeGroups: [],
        },
        {
          id: "c",
          displayName: "Other",
          state: "enabled",
          includeApplications: ["00000003-0000-0000-c000-000000000000"],
          excludeGroups: [],
        },
      ],
    };
    world.edit(WEU, {
      diagnostics: {
        kind: "read",
        value: [
          {
            name: "all",
            logCategories: ["kube-apiserver", "KUBE-AUDIT"],
            workspaceId: "/w",
            destinationType: "dedicated",
          },
        ],
      },
    });
    world.appRoles = ["Directory.Read.All", "Mail.Send"];
    const report = await world.monitor(now).report();
    expect(red(report)).toEqual([]);
    expect(check(report, undefined, "graph-roles").message).toMatch(
      /optional roles missing: AuditLog\.Read\.All .*Policy\.Read\.All/,
    );
  });

  it("predicts as the open meets it: a settled Failed/Canceled cluster, a category group, the reads of readiness itself", async () => {
    const world = new ReadinessWorld();
    world.edit(WEU, { state: clusterFound({ provisioningState: "Canceled" }) });
    world.edit(NEU, {
      diagnostics: {
        kind: "read",
        value: [{ name: "all", logCategories: ["allLogs"], workspaceId: "/w", destinationType: "Dedicated" }],
      },
    });
    const grants = world.clusters.get(WEU.id)!.permissions;
    if (grants.kind !== "read") throw new Error("unexpected");
    world.edit(WEU, {
      permissions: {
        kind: "read",
        value: grants.value.map((grant) => ({ ...grant, notActions: ["Microsoft.Insights/diagnosticSettings/read"] })),
      },
    });
    expect(red(await world.monitor(now).report())).toEqual([]);
  });

  it("an approver in both groups cannot approve their own: two required, two approvers, one of them an emergency member", async () => {
    const world = new ReadinessWorld();
    const report = await world.monitor(now, { requiredApprovals: 2 }).report();
    expect(red(report)).toEqual(["tenant/approvers: TOO_FEW_APPROVERS"]);
    expect(check(report, undefined, "approvers").message).toMatch(/would find 1 other approver/);
  });

  it("a fact the app may not read fails its check with CHECK_FORBIDDEN, naming the permission to grant", async () => {
    const world = new ReadinessWorld();
    world.edit(WEU, {
      roles: { kind: "forbidden", message: `principal x may not read; key ${SECRET}` },
      diagnostics: { kind: "forbidden", message: "no" },
    });
    const report = await world.monitor(now).report();
    expect(red(report)).toEqual([
      "aks-prod-weu/emergency-admin-role: CHECK_FORBIDDEN",
      "aks-prod-weu/kube-audit-logs: CHECK_FORBIDDEN",
    ]);
    expect(check(report, "aks-prod-weu", "emergency-admin-role").message).toContain(
      "Microsoft.Authorization/roleAssignments/read",
    );
    expect(check(report, "aks-prod-weu", "kube-audit-logs").message).toContain(
      "Microsoft.Insights/diagnosticSettings/read",
    );
    expect(JSON.stringify(report)).not.toContain(SECRET);
  });

  describe("with evidence on", () => {
    it("checks the kube-audit table reads too, reading the app's permissions once for both checks", async () => {
      const world = new ReadinessWorld();
      const off = await world.monitor(now).report();
      const reads = world.reads;
      const report = await world.monitor(now, { evidence: true }).report();
      expect(red(report)).toEqual([]);
      expect(off.clusters[0]!.checks.map((found) => found.name)).not.toContain("evidence-logs");
      expect(report.clusters[0]!.checks.map((found) => found.name)).toEqual([
        "app-permissions",
        "emergency-admin-role",
        "cluster-state",
        "kube-audit-logs",
        "evidence-logs",
      ]);
      expect(world.reads - reads).toBe(reads);
    });

    it("a missing table read: exactly that check is red, with the custom role's assignment as its fix", async () => {
      const world = new ReadinessWorld();
      const grants = world.clusters.get(WEU.id)!.permissions;
      if (grants.kind !== "read") throw new Error("unexpected");
      world.edit(WEU, {
        permissions: {
          kind: "read",
          value: grants.value.map((grant, index) =>
            index === 0 ? { ...grant, notActions: [ARM_ACTIONS.readKubeAuditAdmin.action] } : grant,
          ),
        },
      });
      const report = await world.monitor(now, { evidence: true }).report();
      expect(red(report)).toEqual(["aks-prod-weu/evidence-logs: PERMISSION_MISSING"]);
      const failed = check(report, "aks-prod-weu", "evidence-logs");
      expect(failed.message).toContain(`lacks ${ARM_ACTIONS.readKubeAuditAdmin.action} on aks-prod-weu`);
      expect(failed.fix).toMatch(
        /^az role assignment create --assignee 5e1f0000-0000-4000-8000-000000000005 --role "AKS break-glass cluster operator \(breakglass-x1\)" --scope \/subscriptions\/.*aks-prod-weu$/,
      );
    });

    it("permissions the app may not read fail both checks that judge them, CHECK_FORBIDDEN", async () => {
      const world = new ReadinessWorld();
      world.edit(NEU, { permissions: { kind: "forbidden", message: "no" } });
      expect(red(await world.monitor(now, { evidence: true }).report())).toEqual([
        "aks-prod-neu/app-permissions: CHECK_FORBIDDEN",
        "aks-prod-neu/evidence-logs: CHECK_FORBIDDEN",
      ]);
    });

    it("permissions that cannot be read now fail both checks, with the dependency's code", async () => {
      const world = new ReadinessWorld();
      const monitor = world.monitor(now, {
        evidence: true,
        authorization: {
          ...world.dependencies(now).authorization,
          appPermissions: () => Promise.reject(new TransientError("ARM_429", "throttled")),
        },
      });
      const report = await monitor.report();
      expect(red(report).filter((line) => line.startsWith("aks-prod-weu"))).toEqual([
        "aks-prod-weu/app-permissions: ARM_429",
        "aks-prod-weu/evidence-logs: ARM_429",
      ]);
    });
  });

  it("Conditional Access unreadable (no Policy.Read.All) is reported, not failed", async () => {
    const world = new ReadinessWorld();
    world.policies = { kind: "forbidden", message: "Authorization_RequestDenied" };
    const report = await world.monitor(now).report();
    expect(report.ready).toBe(true);
    expect(check(report, undefined, "conditional-access")).toMatchObject({
      ok: true,
      code: "CONDITIONAL_ACCESS_UNREADABLE",
      message: expect.stringContaining("Policy.Read.All"),
    });
  });

  it("a cluster whose facts cannot be read fails its own checks only, with the dependency's code and no detail", async () => {
    const world = new ReadinessWorld();
    world.failing = NEU.id;
    const transient = new ReadinessWorld();
    const monitor = transient.monitor(now, {
      clusterControl: {
        ...transient.dependencies(now).clusterControl,
        read: () => Promise.reject(new TransientError("ARM_503", "unavailable")),
      },
    });
    const report = await world.monitor(now).report();
    expect(red(report)).toEqual([
      "aks-prod-neu/app-permissions: FAILED",
      "aks-prod-neu/emergency-admin-role: FAILED",
      "aks-prod-neu/cluster-state: FAILED",
      "aks-prod-neu/kube-audit-logs: FAILED",
    ]);
    expect(JSON.stringify(report)).not.toContain(SECRET);
    expect(red(await monitor.report())).toEqual([
      "aks-prod-weu/cluster-state: ARM_503",
      "aks-prod-neu/cluster-state: ARM_503",
    ]);
  });

  it("answers from its cache for a few minutes; refresh always asks again", async () => {
    const world = new ReadinessWorld();
    let at = T0.getTime();
    const monitor = world.monitor(() => new Date(at));
    const first = await monitor.report();
    const reads = world.reads;
    world.edit(WEU, { roles: { kind: "read", value: [] } });
    at += READINESS_CACHE_MS - 1;
    expect(await monitor.report()).toBe(first);
    expect(world.reads).toBe(reads);
    at += 1;
    expect(red(await monitor.report())).toEqual(["aks-prod-weu/emergency-admin-role: EMERGENCY_ROLE_MISSING"]);
    world.edit(WEU, { roles: world.clusters.get(NEU.id)!.roles });
    expect(red(await monitor.refresh())).toEqual([]);
    expect(red(await monitor.report())).toEqual([]);
  });
});

describe("readiness over a fleet", () => {
  it("checks at most READINESS_CLUSTERS_AT_ONCE clusters at a time, and reports every one in order", async () => {
    const world = new ReadinessWorld();
    const fleet = Array.from({ length: 40 }, (_, index) => ({
      ...WEU,
      id: WEU.id.replace(/aks-prod-weu$/, `aks-fleet-${index}`),
      name: `aks-fleet-${index}`,
    }));
    for (const cluster of fleet) world.clusters.set(cluster.id, world.clusters.get(WEU.id)!);
    let reading = 0;
    let most = 0;
    const report = await world
      .monitor(() => new Date("2026-12-02T06:00:00Z"), {
        clusters: async () => fleet,
        clusterControl: {
          read: async (cluster) => {
            most = Math.max(most, ++reading);
            await new Promise((resolve) => setTimeout(resolve, 2));
            reading--;
            return world.facts(cluster).state;
          },
          setLocalAccounts: () => Promise.reject(new Error("readiness never writes")),
          rotateCertificates: () => Promise.reject(new Error("readiness never writes")),
        },
      })
      .report();
    expect(report.clusters.map((cluster) => cluster.name)).toEqual(fleet.map((cluster) => cluster.name));
    expect(most).toBe(READINESS_CLUSTERS_AT_ONCE);
  });
});
