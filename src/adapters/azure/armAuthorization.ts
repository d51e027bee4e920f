// ClusterAuthorization on ARM, for readiness (docs/design.md §10): what the app's own identity may
// do on a cluster (Microsoft.Authorization/permissions: every grant it holds there or above, as ARM
// evaluates them), which roles a principal holds there (role assignments at or above the cluster,
// through group memberships too), and where the cluster's logs go (its diagnostic settings).
// Reads only. A refusal is a fact readiness reports (the app lacks the read permission); what a
// retry may fix is thrown.
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { MonitorClient } from "@azure/arm-monitor";
import type { TokenCredential } from "@azure/core-auth";
import type { Pipeline } from "@azure/core-rest-pipeline";
import { ARM_ACTIONS, type ArmAction } from "../../domain/armActions.js";
import type { ManagedCluster } from "../../domain/clusters.js";
import type { PermissionGrant } from "../../domain/permissions.js";
import { TransientError } from "../../ports/errors.js";
import type {
  ClusterAuthorization,
  DiagnosticSettingFact,
  Readable,
  RoleAssignmentFact,
} from "../../ports/readinessFacts.js";
import { retryAfterMs, scopeOf } from "./credentials.js";

export interface ArmReadSettings {
  readonly endpoint: string;
  /** Retries inside the SDK for 429/5xx, before the caller's own. */
  readonly maxRetries?: number;
  /** How long one read (all its pages) may take. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class ArmClusterAuthorization implements ClusterAuthorization {
  private readonly authorization = new Map<string, AuthorizationManagementClient>();
  private readonly monitor = new Map<string, MonitorClient>();

  constructor(
    private readonly credential: TokenCredential,
    private readonly settings: ArmReadSettings,
  ) {}

  async appPermissions(cluster: ManagedCluster): Promise<Readable<readonly PermissionGrant[]>> {
    return this.read(`read the app's permissions on ${cluster.name}`, ARM_ACTIONS.readPermissions, async (signal) => {
      const grants: PermissionGrant[] = [];
      const permissions = this.authorizationClient(cluster).permissions.listForResource(
        cluster.resourceGroup,
        "Microsoft.ContainerService",
        "",
        "managedClusters",
        cluster.name,
        { abortSignal: signal },
      );
      for await (const permission of permissions)
        grants.push({ actions: permission.actions ?? [], notActions: permission.notActions ?? [] });
      return grants;
    });
  }

  async roleAssignments(
    cluster: ManagedCluster,
    principalId: string,
  ): Promise<Readable<readonly RoleAssignmentFact[]>> {
    return this.read(`read role assignments on ${cluster.name}`, ARM_ACTIONS.readRoleAssignments, async (signal) => {
      const facts: RoleAssignmentFact[] = [];
      // atScope(): at the cluster or above it (resource group, subscription, management groups), not below;
      // assignedTo(): to the principal or to a group it is a member of, as ARM grants them.
      const assignments = this.authorizationClient(cluster).roleAssignments.listForScope(cluster.id, {
        filter: `atScope() and assignedTo('${principalId}')`,
        abortSignal: signal,
      });
      for await (const assignment of assignments) {
        if (!assignment.roleDefinitionId || !assignment.scope || !assignment.principalId) continue;
        facts.push({
          roleDefinitionId: assignment.roleDefinitionId,
          scope: assignment.scope,
          principalId: assignment.principalId,
        });
      }
      return facts;
    });
  }

  async diagnosticSettings(cluster: ManagedCluster): Promise<Readable<readonly DiagnosticSettingFact[]>> {
    return this.read(
      `read the diagnostic settings of ${cluster.name}`,
      ARM_ACTIONS.readDiagnosticSettings,
      async (signal) => {
        const facts: DiagnosticSettingFact[] = [];
        for await (const setting of this.monitorClient(cluster).diagnosticSettings.list(cluster.id, {
          abortSignal: signal,
        })) {
          facts.push({
            name: setting.name ?? "",
            // A category group (allLogs, audit) stands for the categories it holds; readiness decides which.
            logCategories: (setting.logs ?? []).flatMap((log) => {
              const name = log.category ?? log.categoryGroup;
              return log.enabled && name ? [name] : [];
            }),
            ...(setting.workspaceId ? { workspaceId: setting.workspaceId } : {}),
            ...(setting.logAnalyticsDestinationType ? { destinationType: setting.logAnalyticsDestinationType } : {}),
          });
        }
        return facts;
      },
    );
  }

  /** One read, bounded in time: its value, forbidden when ARM refuses the app, or a thrown TransientError. */
  private async read<T>(
    what: string,
    needed: ArmAction,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<Readable<T>> {
    try {
      return { kind: "read", value: await call(AbortSignal.timeout(this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS)) };
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      const message = error instanceof Error ? error.message : String(error);
      if (status === 401 || status === 403) {
        // ARM's own message names the identity's object id and more; readiness shows this one, so it says only what to grant.
        const code = (error as { code?: string }).code ?? `HTTP_${status}`;
        return {
          kind: "forbidden",
          message: `the app's identity may not ${what} (${code}): it needs ${needed.action} on the ${needed.scope}`,
        };
      }
      const name = error instanceof Error ? error.name : "";
      if (status === undefined && (name === "AbortError" || name === "TimeoutError"))
        throw new TransientError("ARM_TIMEOUT", `${what} did not finish in time`, undefined, { cause: error });
      const hint = retryAfterMs(
        (error as { response?: { headers?: { get(name: string): string | null | undefined } } }).response?.headers?.get(
          "retry-after",
        ),
      );
      throw new TransientError(
        status === undefined ? "ARM_OPERATION_FAILED" : `ARM_${status}`,
        `ARM could not ${what}: ${message}`,
        hint,
        { cause: error },
      );
    }
  }

  private authorizationClient(cluster: ManagedCluster): AuthorizationManagementClient {
    return perSubscription(this.authorization, cluster, () =>
      withCanonicalPaths(
        new AuthorizationManagementClient(this.credential, cluster.subscriptionId, this.clientOptions()),
      ),
    );
  }

  private monitorClient(cluster: ManagedCluster): MonitorClient {
    return perSubscription(this.monitor, cluster, () =>
      withCanonicalPaths(new MonitorClient(this.credential, cluster.subscriptionId, this.clientOptions())),
    );
  }

  private clientOptions() {
    return {
      endpoint: this.settings.endpoint,
      credentials: { scopes: [scopeOf(this.settings.endpoint)] },
      ...(this.settings.maxRetries === undefined ? {} : { retryOptions: { maxRetries: this.settings.maxRetries } }),
    };
  }
}

/**
 * Both SDKs build a path with an empty segment here: permissions.listForResource for a resource
 * without a parent (`Microsoft.ContainerService//managedClusters`), diagnosticSettings.list for an
 * ARM id, which begins with `/` (`https://host//subscriptions/…`). ARM's paths have none.
 */
function withCanonicalPaths<T extends { pipeline: Pipeline }>(client: T): T {
  client.pipeline.addPolicy({
    name: "canonicalArmPath",
    sendRequest: (request, next) => {
      const url = new URL(request.url);
      url.pathname = url.pathname.replace(/\/{2,}/g, "/");
      request.url = url.toString();
      return next(request);
    },
  });
  return client;
}

function perSubscription<T>(clients: Map<string, T>, cluster: ManagedCluster, create: () => T): T {
  let client = clients.get(cluster.subscriptionId);
  if (!client) {
    client = create();
    clients.set(cluster.subscriptionId, client);
  }
  return client;
}
