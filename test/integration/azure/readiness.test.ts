// Readiness in azure mode, end to end through the real ARM (authorization, monitor) and Graph code
// against the loopback fakes: every check green; then each condition broken alone turns exactly
// its check red, with its code; Conditional Access without Policy.Read.All is reported, not failed.
import { describe, expect, it } from "vitest";
import { ARM_ACTIONS } from "../../../src/domain/armActions.js";
import { CLUSTER_ADMIN_ROLE_ID, type ReadinessReport } from "../../../src/domain/readiness.js";
import { AKS_APPLICATION_ID, AZURE_GROUPS } from "../../support/azureWorld.js";
import { azureHarness, type AzureHarness } from "../../support/azureHarness.js";
import { WEU } from "../../support/harness.js";

const red = (report: ReadinessReport) => [
  ...report.tenant.filter((check) => !check.ok).map((check) => `tenant/${check.name}: ${check.code}`),
  ...report.clusters.flatMap((cluster) =>
    cluster.checks.filter((check) => !check.ok).map((check) => `${cluster.name}/${check.name}: ${check.code}`),
  ),
];

const BROKEN: readonly [string, (h: AzureHarness) => void, string][] = [
  [
    "managedClusters/write revoked",
    (h) => h.azure.arm.revokeAction(WEU, ARM_ACTIONS.writeCluster.action),
    "aks-prod-weu/app-permissions: PERMISSION_MISSING",
  ],
  [
    "the emergency group's Cluster Admin role removed",
    (h) => h.azure.arm.unassignRole(AZURE_GROUPS.emergency, CLUSTER_ADMIN_ROLE_ID),
    // Every cluster: the assignments were the group's on each of them.
    "aks-prod-weu/emergency-admin-role: EMERGENCY_ROLE_MISSING",
  ],
  ["kube-audit off", (h) => h.azure.arm.setKubeAudit(WEU, false), "aks-prod-weu/kube-audit-logs: KUBE_AUDIT_OFF"],
  [
    "the cluster stopped",
    (h) => void (h.azure.arm.cluster(WEU).powerState = "Stopped"),
    "aks-prod-weu/cluster-state: CLUSTER_NOT_UPDATABLE",
  ],
  [
    "Mail.Send not consented (the mail sender is set)",
    (h) => void h.azure.graph.appRoles.delete("Mail.Send"),
    "tenant/graph-roles: GRAPH_ROLE_MISSING",
  ],
  [
    "a Conditional Access policy for AKS that does not exclude the emergency group",
    (h) =>
      void h.azure.graph.conditionalAccessPolicies.push({
        id: "ca-2",
        displayName: "MFA for AKS",
        state: "enabled",
        includeApplications: [AKS_APPLICATION_ID],
        excludeGroups: [],
      }),
    "tenant/conditional-access: CONDITIONAL_ACCESS_NOT_EXCLUDED",
  ],
];

describe("readiness in azure mode", () => {
  it("is green when everything is granted and configured", async () => {
    const h = await azureHarness();
    const report = await h.app.readiness.refresh();
    expect(red(report)).toEqual([]);
    expect(report.ready).toBe(true);
  });

  it.each(BROKEN)("%s: exactly that check is red", async (_name, breakIt, expected) => {
    const h = await azureHarness();
    breakIt(h);
    const found = red(await h.app.readiness.refresh());
    expect(
      found.filter((line) => line.startsWith("aks-prod-neu/") && !expected.startsWith("aks-prod-weu/emergency")),
    ).toEqual([]);
    expect(found).toContain(expected);
    expect(found.filter((line) => !line.endsWith(expected.split(": ")[1]!))).toEqual([]);
  });

  it("with evidence on, checks the kube-audit table reads: a missing one turns exactly that check red", async () => {
    const h = await azureHarness({ env: { BREAKGLASS_EVIDENCE: "on" } });
    const green = await h.app.readiness.refresh();
    expect(red(green)).toEqual([]);
    expect(green.clusters[0]!.checks.map((check) => check.name)).toContain("evidence-logs");
    h.azure.arm.revokeAction(WEU, ARM_ACTIONS.readKubeAudit.action);
    const report = await h.app.readiness.refresh();
    expect(red(report)).toEqual(["aks-prod-weu/evidence-logs: PERMISSION_MISSING"]);
    const failed = report.clusters.find((cluster) => cluster.name === "aks-prod-weu")!.checks.at(-1)!;
    expect(failed.message).toContain(ARM_ACTIONS.readKubeAudit.action);
    expect(failed.fix).toMatch(
      /^az role assignment create --assignee .* --role "AKS break-glass cluster operator \(.*\)" --scope \/subscriptions\/.*aks-prod-weu$/,
    );
  });

  it("without Policy.Read.All, Conditional Access is reported, not failed", async () => {
    const h = await azureHarness();
    h.azure.graph.appRoles.delete("Policy.Read.All");
    const report = await h.app.readiness.refresh();
    expect(red(report)).toEqual([]);
    expect(report.tenant.find((check) => check.name === "conditional-access")).toMatchObject({
      ok: true,
      code: "CONDITIONAL_ACCESS_UNREADABLE",
    });
  });
});
