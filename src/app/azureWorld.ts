// The Azure world: ARM, Graph, Teams and mail, the Activity Log, Resource Graph and Log Analytics
// on the app's managed identity. Loaded only in azure mode (composition.ts imports it on demand),
// so that the simulation never loads the Azure SDKs it does not use; and each adapter (with its
// SDK) loads on its port's first call, so that an approval never loads what only evidence,
// readiness or the fleet's inventory use (docs/design.md §13).
import type { TokenCredential } from "../adapters/azure/credentials.js";
import { lazyCredential } from "../adapters/azure/lazyCredential.js";
import { ARM_OPERATION_TIMEOUT_MS } from "../domain/armActions.js";
import { azureHealthChecks } from "../health/azureChecks.js";
import { createTokenVerifier, tenantSigningKeys } from "../http/authentication.js";
import { appServiceAuthentication } from "../http/pageAuthentication.js";
import type { AuditLog } from "../ports/auditLog.js";
import { lazyPort, once } from "./lazyPort.js";
import type { AzureOptions, World } from "./world.js";
import type { Config } from "./config.js";

type Knobs = { readonly maxRetries?: number; readonly timeoutMs?: number };

export function azureWorld(config: Config, audit: AuditLog, now: () => Date, options: AzureOptions): World {
  const credential =
    options.credential ??
    lazyCredential({ clientId: config.clientId, authorityHost: config.endpoints.authority }, process.env);
  const knobs: Knobs = {
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const graph = graphPorts(credential, config, knobs);
  const arm = armPorts(credential, config, options, knobs);
  return {
    ...graph,
    ...arm,
    // The fixes name the identity by its client id (what `az role assignment create --assignee` takes)
    // and the function app by the name App Service gives it.
    appIdentity: {
      ...(config.clientId ? { principalId: config.clientId } : {}),
      ...(process.env.WEBSITE_SITE_NAME ? { appName: process.env.WEBSITE_SITE_NAME } : {}),
    },
    leaseMs: (options.operationTimeoutMs ?? ARM_OPERATION_TIMEOUT_MS) + 5 * 60_000,
    signingKeys: tenantSigningKeys(config.endpoints.authority, config.tenantId),
    pageAuthentication: (policy) => appServiceAuthentication(createTokenVerifier(policy, "id")),
    healthChecks: azureHealthChecks({ config, audit, ...arm, directory: graph.directory, now }),
    simulation: undefined,
  };
}

/** Microsoft Graph's ports on one client (@microsoft/microsoft-graph-client), loaded with the first of them. */
function graphPorts(credential: TokenCredential, config: Config, knobs: Knobs) {
  const graph = once(async () => {
    const { GraphApi } = await import("../adapters/azure/graph.js");
    return new GraphApi(credential, { endpoint: config.endpoints.graph, ...knobs });
  });
  const directory = lazyPort(
    async () => new (await import("../adapters/azure/graphDirectory.js")).GraphDirectory(await graph()),
  );
  return {
    directory,
    groupChanges: directory,
    directoryAudit: lazyPort(
      async () => new (await import("../adapters/azure/graphDirectoryAudit.js")).GraphDirectoryAudit(await graph()),
    ),
    subscriptions: lazyPort(
      async () => new (await import("../adapters/azure/graphSubscriptions.js")).GraphSubscriptionsClient(await graph()),
    ),
    tenantPolicies: lazyPort(async () => {
      const { GraphTenantPolicies } = await import("../adapters/azure/graphTenantPolicies.js");
      return new GraphTenantPolicies(credential, config.endpoints.graph, await graph());
    }),
    notifier: lazyPort(async () => {
      const { TeamsMailNotifier } = await import("../adapters/azure/teamsMailNotifier.js");
      const settings = { teamsWebhookUrl: config.teamsWebhookUrl, mailSender: config.mailSender };
      return new TeamsMailNotifier(
        { ...settings, ...(knobs.timeoutMs === undefined ? {} : { timeoutMs: knobs.timeoutMs }) },
        await graph(),
      );
    }),
  };
}

/** ARM's, Resource Graph's and Log Analytics' ports, each with its own SDK. */
function armPorts(credential: TokenCredential, config: Config, options: AzureOptions, knobs: Knobs) {
  const endpoint = config.endpoints.arm;
  return {
    clusterControl: lazyPort(async () => {
      const { ArmClusterControl } = await import("../adapters/azure/armClusterControl.js");
      return new ArmClusterControl(credential, {
        endpoint,
        ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
        ...(options.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: options.operationTimeoutMs }),
        ...(knobs.maxRetries === undefined ? {} : { maxRetries: knobs.maxRetries }),
      });
    }),
    activityLog: lazyPort(
      async () =>
        new (await import("../adapters/azure/armActivityLog.js")).ArmActivityLog(
          credential,
          endpoint,
          knobs.maxRetries,
        ),
    ),
    clusterAuthorization: lazyPort(
      async () =>
        new (await import("../adapters/azure/armAuthorization.js")).ArmClusterAuthorization(credential, {
          endpoint,
          ...knobs,
        }),
    ),
    kubeAudit: lazyPort(
      async () =>
        new (await import("../adapters/azure/logAnalyticsKubeAudit.js")).LogAnalyticsKubeAudit(credential, {
          endpoint: config.endpoints.logs,
          ...knobs,
        }),
    ),
    fleetInventory: lazyPort(
      async () =>
        new (await import("../adapters/azure/resourceGraphFleet.js")).ResourceGraphFleet(credential, {
          endpoint,
          ...knobs,
        }),
    ),
  };
}
