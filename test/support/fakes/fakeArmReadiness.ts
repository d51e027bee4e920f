// What the fake ARM answers to readiness's reads, as ARM's extension resources do on a cluster:
// Microsoft.Authorization/permissions (the caller's effective grants at the scope: the app's own
// identity here), Microsoft.Authorization/roleAssignments (listed for a scope with atScope() and
// assignedTo()), and Microsoft.Insights/diagnosticSettings. The state is plain data a test changes:
// remove an action, remove an assignment, switch kube-audit off.
import { armActionsAt } from "../../../src/domain/armActions.js";
import type { FakeRequest, FakeResponse } from "./https.js";

export interface FakePermission {
  actions: string[];
  notActions: string[];
}

export interface FakeRoleAssignment {
  /** Where it is assigned: a cluster, a resource group, a subscription, `/providers/Microsoft.Management/managementGroups/…`. */
  scope: string;
  /** The role definition's GUID. */
  roleDefinition: string;
  principalId: string;
  principalType: "Group" | "User" | "ServicePrincipal";
}

export interface FakeDiagnosticSetting {
  name: string;
  workspaceId?: string;
  logAnalyticsDestinationType?: "Dedicated" | null;
  logs: { category?: string; categoryGroup?: string; enabled: boolean }[];
}

/** The app's grants on one cluster: its custom roles, the cluster one there and the subscription one above. */
export function customRoleGrants(): FakePermission[] {
  return [
    { actions: armActionsAt("cluster"), notActions: [] },
    { actions: armActionsAt("subscription"), notActions: [] },
  ];
}

/** What a cluster set up as the README says sends: kube-audit-admin to a workspace, resource-specific tables. */
export function kubeAuditSetting(subscriptionId: string): FakeDiagnosticSetting {
  return {
    name: "breakglass-audit",
    workspaceId: `/subscriptions/${subscriptionId}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-aks`,
    logAnalyticsDestinationType: "Dedicated",
    logs: [
      { category: "kube-audit-admin", enabled: true },
      { category: "kube-apiserver", enabled: false },
    ],
  };
}

export const READ_API_VERSIONS = {
  "microsoft.authorization/permissions": "2022-04-01",
  "microsoft.authorization/roleassignments": "2022-04-01",
  "microsoft.insights/diagnosticsettings": "2021-05-01-preview",
} as const;

/** `{resource}/providers/{extension}`, the path of the three reads. */
export const EXTENSION_PATH =
  /^(.*?)\/providers\/(Microsoft\.Authorization\/permissions|Microsoft\.Authorization\/roleAssignments|Microsoft\.Insights\/diagnosticSettings)$/i;

export interface ReadinessState {
  readonly grants: readonly FakePermission[];
  readonly diagnosticSettings: readonly FakeDiagnosticSetting[];
  readonly roleAssignments: readonly FakeRoleAssignment[];
}

/** The answer to one of the three reads on a cluster's id (`resource`) or, for role assignments, any scope. */
export function readinessAnswer(
  request: FakeRequest,
  extension: string,
  resource: string,
  state: ReadinessState,
): FakeResponse {
  const kind = extension.toLowerCase() as keyof typeof READ_API_VERSIONS;
  if (request.method !== "GET") return armError(405, "MethodNotAllowed", request.method);
  const apiVersion = request.query.get("api-version");
  if (apiVersion !== READ_API_VERSIONS[kind])
    return armError(400, "InvalidApiVersionParameter", `The api-version '${apiVersion}' is invalid.`);
  if (kind === "microsoft.authorization/permissions") return { status: 200, body: { value: state.grants } };
  if (kind === "microsoft.insights/diagnosticsettings")
    return {
      status: 200,
      body: { value: state.diagnosticSettings.map((setting) => diagnosticModel(resource, setting)) },
    };
  return listRoleAssignments(request, resource, state.roleAssignments);
}

function listRoleAssignments(
  request: FakeRequest,
  scope: string,
  assignments: readonly FakeRoleAssignment[],
): FakeResponse {
  const filter = request.query.get("$filter") ?? "";
  const atScope = /\batScope\(\)/.test(filter);
  const principal = /assignedTo\('([^']+)'\)/.exec(filter)?.[1]?.toLowerCase();
  if (filter && !atScope && !principal) return armError(400, "InvalidFilter", `unsupported $filter ${filter}`);
  const matching = assignments.filter(
    (assignment) =>
      (!principal || assignment.principalId.toLowerCase() === principal) &&
      (isAtOrAbove(assignment.scope, scope) || (!atScope && isAtOrAbove(scope, assignment.scope))),
  );
  return {
    status: 200,
    body: {
      value: matching.map((assignment, index) => {
        const subscription = /^\/subscriptions\/([^/]+)/i.exec(assignment.scope)?.[1];
        const name = `${assignment.roleDefinition.slice(0, 8)}-0000-4000-8000-${String(index).padStart(12, "0")}`;
        return {
          id: `${assignment.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
          name,
          type: "Microsoft.Authorization/roleAssignments",
          properties: {
            roleDefinitionId: `${subscription ? `/subscriptions/${subscription}` : ""}/providers/Microsoft.Authorization/roleDefinitions/${assignment.roleDefinition}`,
            principalId: assignment.principalId,
            principalType: assignment.principalType,
            scope: assignment.scope,
            condition: null,
            conditionVersion: null,
            createdOn: "2026-01-05T09:00:00.0000000Z",
          },
        };
      }),
    },
  };
}

/** Whether `outer` contains `inner`: the same scope, a parent path, or a management group (above every subscription here). */
function isAtOrAbove(outer: string, inner: string): boolean {
  if (/^\/providers\/Microsoft\.Management\/managementGroups\//i.test(outer) || outer === "/") return true;
  const [a, b] = [outer.toLowerCase(), inner.toLowerCase()];
  return b === a || b.startsWith(`${a}/`);
}

function diagnosticModel(resource: string, setting: FakeDiagnosticSetting) {
  return {
    id: `${resource}/providers/microsoft.insights/diagnosticSettings/${setting.name}`,
    name: setting.name,
    type: "Microsoft.Insights/diagnosticSettings",
    properties: {
      ...(setting.workspaceId ? { workspaceId: setting.workspaceId } : {}),
      logAnalyticsDestinationType: setting.logAnalyticsDestinationType ?? null,
      metrics: [{ category: "AllMetrics", enabled: false, retentionPolicy: { enabled: false, days: 0 } }],
      logs: setting.logs.map((log) => ({
        category: log.category ?? null,
        categoryGroup: log.categoryGroup ?? null,
        enabled: log.enabled,
        retentionPolicy: { enabled: false, days: 0 },
      })),
    },
  };
}

export function armError(status: number, code: string, message: string): FakeResponse {
  return { status, body: { error: { code, message } } };
}
