// In-memory facts for readiness: one healthy tenant with two clusters, each fact editable, so a
// test breaks one thing and asks the checks. The fakes answer as the ports promise (forbidden,
// throwing TransientError), with nothing of Azure behind them.
import type { AuditEntry } from "../../src/domain/audit.js";
import { ARM_ACTIONS } from "../../src/domain/armActions.js";
import { parseManagedClusterId, type ManagedCluster } from "../../src/domain/clusters.js";
import type { PermissionGrant } from "../../src/domain/permissions.js";
import { CLUSTER_ADMIN_ROLE_ID } from "../../src/domain/readiness.js";
import { SIMULATION_CLUSTER_IDS } from "../../src/app/simulationDefaults.js";
import type { AuditLog } from "../../src/ports/auditLog.js";
import type { ClusterReadResult, ClusterState } from "../../src/ports/clusterControl.js";
import type { DirectoryUser } from "../../src/ports/directory.js";
import type { Notification } from "../../src/ports/notifier.js";
import type {
  ConditionalAccessPolicyFact,
  DiagnosticSettingFact,
  Readable,
  RoleAssignmentFact,
} from "../../src/ports/readinessFacts.js";
import type { StateStore } from "../../src/ports/stateStore.js";
import { createReadinessMonitor, type ReadinessDependencies } from "../../src/readiness/monitor.js";
import { AKS_AAD_SERVER_APP_ID } from "../../src/readiness/tenantChecks.js";

export const EMERGENCY = "e0000000-0000-4000-8000-00000000000e";
export const APPROVERS = "a0000000-0000-4000-8000-00000000000a";
export const CLUSTERS: readonly ManagedCluster[] = SIMULATION_CLUSTER_IDS.map((id) => parseManagedClusterId(id)!);
export const [WEU, NEU] = CLUSTERS as [ManagedCluster, ManagedCluster];
export const SECRET = "s3cr3t-link-signing-key-never-shown";

const person = (oid: string, name: string, accountEnabled = true): DirectoryUser => ({
  oid,
  upn: `${name}@contoso.dev`,
  displayName: name,
  mail: `${name}@contoso.dev`,
  accountEnabled,
});

/** A running, updatable cluster with Entra integration, with `change` applied. */
export function clusterFound(change: Partial<ClusterState> = {}): ClusterReadResult {
  return {
    kind: "found",
    state: {
      localAccounts: "disabled",
      provisioningState: "Succeeded",
      etag: "1",
      entraIntegration: true,
      powerState: "Running",
      ...change,
    },
  };
}

export interface ClusterFacts {
  permissions: Readable<readonly PermissionGrant[]>;
  roles: Readable<readonly RoleAssignmentFact[]>;
  diagnostics: Readable<readonly DiagnosticSettingFact[]>;
  state: ClusterReadResult;
}

/** Everything granted and configured as it should be. */
function healthyCluster(cluster: ManagedCluster): ClusterFacts {
  const subscription = `/subscriptions/${cluster.subscriptionId}`;
  return {
    permissions: {
      kind: "read",
      value: [
        {
          actions: [
            "Microsoft.ContainerService/managedClusters/*",
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/diagnosticSettings/read",
            "Microsoft.Insights/logs/*/read",
          ],
          notActions: [],
        },
        {
          actions: Object.values(ARM_ACTIONS)
            .filter((entry) => entry.scope === "subscription")
            .map((entry) => entry.action),
          notActions: [],
        },
      ],
    },
    roles: {
      kind: "read",
      value: [
        {
          roleDefinitionId: `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${CLUSTER_ADMIN_ROLE_ID}`,
          scope: `${subscription}/resourceGroups/${cluster.resourceGroup}`,
          principalId: EMERGENCY,
        },
      ],
    },
    diagnostics: {
      kind: "read",
      value: [
        {
          name: "audit",
          logCategories: ["kube-audit-admin"],
          workspaceId: `${subscription}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs`,
          destinationType: "Dedicated",
        },
      ],
    },
    state: clusterFound(),
  };
}

export class ReadinessWorld {
  readonly clusters = new Map(CLUSTERS.map((cluster) => [cluster.id, healthyCluster(cluster)]));
  appRoles: readonly string[] = [
    "GroupMember.Read.All",
    "User.Read.All",
    "Mail.Send",
    "AuditLog.Read.All",
    "Policy.Read.All",
  ];
  policies: Readable<readonly ConditionalAccessPolicyFact[]> = {
    kind: "read",
    value: [
      {
        id: "ca-mfa",
        displayName: "MFA for AKS",
        state: "enabled",
        includeApplications: [AKS_AAD_SERVER_APP_ID],
        excludeGroups: [EMERGENCY],
      },
    ],
  };
  approvers: DirectoryUser[] = [person("b0b", "bob"), person("ca201", "carol")];
  emergencyMembers = new Set(["ca201", "a11ce"]);
  mailboxes = new Set(["breakglass@contoso.dev"]);
  /** Calls made to the facts, to tell a cached answer from a new one. */
  reads = 0;
  /** Thrown by every fact of this cluster when set. */
  failing: string | undefined;

  facts(cluster: ManagedCluster): ClusterFacts {
    this.reads++;
    if (this.failing === cluster.id) throw new Error(`storage account key ${SECRET} rejected`);
    return this.clusters.get(cluster.id)!;
  }

  edit(cluster: ManagedCluster, change: Partial<ClusterFacts>): void {
    this.clusters.set(cluster.id, { ...this.clusters.get(cluster.id)!, ...change });
  }

  dependencies(now: () => Date, overrides: Partial<ReadinessDependencies> = {}): ReadinessDependencies {
    return {
      clusters: async () => CLUSTERS,
      now,
      emergencyGroupId: EMERGENCY,
      approverGroupId: APPROVERS,
      requiredApprovals: 1,
      mailSender: "breakglass@contoso.dev",
      changeNotifications: false,
      appIdentity: { principalId: "5e1f0000-0000-4000-8000-000000000005", appName: "breakglass-x1" },
      log: () => undefined,
      authorization: {
        appPermissions: async (cluster) => this.facts(cluster).permissions,
        roleAssignments: async (cluster, principalId) => {
          const roles = this.facts(cluster).roles;
          if (roles.kind === "forbidden") return roles;
          return { kind: "read", value: roles.value.filter((role) => role.principalId === principalId) };
        },
        diagnosticSettings: async (cluster) => this.facts(cluster).diagnostics,
      },
      clusterControl: {
        read: async (cluster) => this.facts(cluster).state,
        setLocalAccounts: () => Promise.reject(new Error("readiness never writes")),
        rotateCertificates: () => Promise.reject(new Error("readiness never writes")),
      },
      tenantPolicies: {
        appRoles: async () => this.appRoles,
        conditionalAccessPolicies: async () => this.policies,
      },
      directory: {
        getUser: async (oid) =>
          this.approvers.find((user) => user.oid === oid) ??
          (this.mailboxes.has(oid) ? person(oid, oid.split("@")[0]!) : undefined),
        checkMemberGroups: async (oid, groupIds) =>
          groupIds.filter((group) => group === EMERGENCY && this.emergencyMembers.has(oid)),
        listTransitiveUsers: async (groupId) => (groupId === APPROVERS ? this.approvers : []),
        getGroup: async () => undefined,
      },
      ...overrides,
    };
  }

  monitor(now: () => Date, overrides: Partial<ReadinessDependencies> = {}) {
    return createReadinessMonitor(this.dependencies(now, overrides));
  }
}

export function memoryStore<S>(initial: S): StateStore<S> & { readonly documents: Map<string, S> } {
  const documents = new Map<string, { state: S; version: number }>();
  const store = {
    documents: new Map<string, S>(),
    read: async (key: string) => {
      const found = documents.get(key);
      return { state: found?.state ?? initial, version: found ? String(found.version) : undefined };
    },
    replace: async (key: string, next: S, version: string | undefined) => {
      const found = documents.get(key);
      if ((found ? String(found.version) : undefined) !== version) return false;
      documents.set(key, { state: next, version: (found?.version ?? 0) + 1 });
      store.documents.set(key, next);
      return true;
    },
    update: async <T>(key: string, change: (current: S) => { next?: S; result: T }) => {
      for (;;) {
        const { state, version } = await store.read(key);
        const { next, result } = change(state);
        if (next === undefined || (await store.replace(key, next, version))) return result;
      }
    },
  };
  return store;
}

export function memoryAudit(): AuditLog & { readonly entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    append: async (entry) => {
      entries.push(entry);
      return { kind: "appended" };
    },
    readStream: async (stream) => entries.filter((entry) => entry.stream === stream),
    readHead: async () => undefined,
  };
}

export function recordingNotifier() {
  const sent: Notification[] = [];
  return {
    sent,
    send: async (notification: Notification) => {
      sent.push(notification);
      return [{ channel: "teams" as const, ok: true }];
    },
  };
}
