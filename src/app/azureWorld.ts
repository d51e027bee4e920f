// The Azure world: ARM, Graph, Teams and mail, the Activity Log, Resource Graph and Log Analytics
// on the app's managed identity. Loaded only in azure mode (composition.ts imports it on demand),
// so that the simulation never loads the Azure SDKs it does not use.
import { ArmActivityLog } from "../adapters/azure/armActivityLog.js";
import { ArmClusterAuthorization } from "../adapters/azure/armAuthorization.js";
import { ARM_OPERATION_TIMEOUT_MS, ArmClusterControl } from "../adapters/azure/armClusterControl.js";
import { createCredential } from "../adapters/azure/credentials.js";
import { GraphApi } from "../adapters/azure/graph.js";
import { GraphDirectory } from "../adapters/azure/graphDirectory.js";
import { GraphDirectoryAudit } from "../adapters/azure/graphDirectoryAudit.js";
import { GraphSubscriptionsClient } from "../adapters/azure/graphSubscriptions.js";
import { GraphTenantPolicies } from "../adapters/azure/graphTenantPolicies.js";
import { LogAnalyticsKubeAudit } from "../adapters/azure/logAnalyticsKubeAudit.js";
import { ResourceGraphFleet } from "../adapters/azure/resourceGraphFleet.js";
import { TeamsMailNotifier } from "../adapters/azure/teamsMailNotifier.js";
import { azureHealthChecks } from "../health/azureChecks.js";
import { createTokenVerifier, tenantSigningKeys } from "../http/authentication.js";
import { appServiceAuthentication } from "../http/pageAuthentication.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { AzureOptions, World } from "./world.js";
import type { Config } from "./config.js";

export function azureWorld(config: Config, audit: AuditLog, now: () => Date, options: AzureOptions): World {
  const credential =
    options.credential ??
    createCredential({ clientId: config.clientId, authorityHost: config.endpoints.authority }, process.env);
  const graph = new GraphApi(credential, {
    endpoint: config.endpoints.graph,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
  const directory = new GraphDirectory(graph);
  const clusterControl = new ArmClusterControl(credential, {
    endpoint: config.endpoints.arm,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: options.operationTimeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
  const activityLog = new ArmActivityLog(credential, config.endpoints.arm, options.maxRetries);
  const clusterAuthorization = new ArmClusterAuthorization(credential, {
    endpoint: config.endpoints.arm,
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return {
    clusterAuthorization,
    tenantPolicies: new GraphTenantPolicies(credential, config.endpoints.graph, graph),
    // The fixes name the identity by its client id (what `az role assignment create --assignee` takes)
    // and the function app by the name App Service gives it.
    appIdentity: {
      ...(config.clientId ? { principalId: config.clientId } : {}),
      ...(process.env.WEBSITE_SITE_NAME ? { appName: process.env.WEBSITE_SITE_NAME } : {}),
    },
    leaseMs: (options.operationTimeoutMs ?? ARM_OPERATION_TIMEOUT_MS) + 5 * 60_000,
    directory,
    clusterControl,
    notifier: new TeamsMailNotifier(
      {
        teamsWebhookUrl: config.teamsWebhookUrl,
        mailSender: config.mailSender,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      },
      graph,
    ),
    activityLog,
    kubeAudit: new LogAnalyticsKubeAudit(credential, {
      endpoint: config.endpoints.logs,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    }),
    groupChanges: directory,
    directoryAudit: new GraphDirectoryAudit(graph),
    subscriptions: new GraphSubscriptionsClient(graph),
    signingKeys: tenantSigningKeys(config.endpoints.authority, config.tenantId),
    pageAuthentication: (policy) => appServiceAuthentication(createTokenVerifier(policy, "id")),
    healthChecks: azureHealthChecks({ config, audit, clusterControl, directory, activityLog, now }),
    fleetInventory: new ResourceGraphFleet(credential, {
      endpoint: config.endpoints.arm,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    }),
    simulation: undefined,
  };
}
