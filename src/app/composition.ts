// The one place that builds adapters from configuration: the mode's world (Azure, or the
// simulation on local storage) and the tables both modes keep; services.ts wires what runs on them.
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { ArmActivityLog } from "../adapters/azure/armActivityLog.js";
import { ArmClusterAuthorization } from "../adapters/azure/armAuthorization.js";
import { ARM_OPERATION_TIMEOUT_MS, ArmClusterControl } from "../adapters/azure/armClusterControl.js";
import { createCredential, type TokenCredential } from "../adapters/azure/credentials.js";
import { GraphApi } from "../adapters/azure/graph.js";
import { GraphDirectory } from "../adapters/azure/graphDirectory.js";
import { GraphDirectoryAudit } from "../adapters/azure/graphDirectoryAudit.js";
import { GraphSubscriptionsClient } from "../adapters/azure/graphSubscriptions.js";
import { GraphTenantPolicies } from "../adapters/azure/graphTenantPolicies.js";
import { LogAnalyticsKubeAudit } from "../adapters/azure/logAnalyticsKubeAudit.js";
import { TableCredentialWatch } from "../adapters/azure/tableCredentialWatch.js";
import { TableDocuments } from "../adapters/azure/tableDocuments.js";
import { TableActionLedger } from "../adapters/azure/tableActionLedger.js";
import { TableAuditIndex } from "../adapters/azure/tableAuditIndex.js";
import { TableAuditLog } from "../adapters/azure/tableAuditLog.js";
import { TableIdempotencyStore } from "../adapters/azure/tableIdempotencyStore.js";
import { TableRequestStore } from "../adapters/azure/tableRequestStore.js";
import { TableWatchdogMemory } from "../adapters/azure/tableWatchdogMemory.js";
import { TableWindowRegistry } from "../adapters/azure/tableWindowRegistry.js";
import type { TableStorageSettings } from "../adapters/azure/tables.js";
import { TeamsMailNotifier } from "../adapters/azure/teamsMailNotifier.js";
import { createUserSignIn, type UserSignInOptions } from "../adapters/azure/userSignIn.js";
import { DurableWorkflowClient } from "../adapters/durable/durableWorkflowClient.js";
import { DevTokenIssuer } from "../adapters/simulation/devTokens.js";
import { OutboxNotifier } from "../adapters/simulation/outbox.js";
import { SimulatedActivityLog } from "../adapters/simulation/simulatedActivityLog.js";
import {
  SimulatedClusterAuthorization,
  SimulatedTenantPolicies,
} from "../adapters/simulation/simulatedAuthorization.js";
import { SimulatedClusters } from "../adapters/simulation/simulatedClusters.js";
import { SimulatedDirectory, type DirectorySeed } from "../adapters/simulation/simulatedDirectory.js";
import { SimulatedKubeAudit } from "../adapters/simulation/simulatedKubeAudit.js";
import { deriveKey } from "../domain/keys.js";
import { azureHealthChecks } from "../health/azureChecks.js";
import { NO_GROUP_WATCH_STATE, type GroupWatchState } from "../groupWatch/state.js";
import { NO_READINESS_VERDICTS, READINESS_DOCUMENT, type ReadinessVerdicts } from "../readiness/watch.js";
import { createTokenVerifier, tenantSigningKeys } from "../http/authentication.js";
import { createDevHandlers, DEV_SESSION_COOKIE, type DevHandlers } from "../http/dev.js";
import { appServiceAuthentication, devSessionAuthentication } from "../http/pageAuthentication.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { KubeAuditLog } from "../ports/kubeAuditLog.js";
import type { Notifier } from "../ports/notifier.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { SignIn } from "../ports/signIn.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { loadConfig, type Config } from "./config.js";
import { tableAccountOf } from "./tableAccount.js";
import { composeServices, type ModePorts, type Services } from "./services.js";
import { SIMULATION_GROUPS, SIMULATION_USERS } from "./simulationDefaults.js";

/** The default prefix of every table the app owns. Independent of TASKHUB_NAME on purpose: the audit trail must survive a task hub change. */
export const TABLE_PREFIX = "breakglass";

/** Knobs for the Azure adapters; production uses the defaults, tests make everything fast. */
export interface AzureOptions {
  /** Replaces the managed identity / DefaultAzureCredential. */
  readonly credential?: TokenCredential;
  readonly pollIntervalMs?: number;
  readonly operationTimeoutMs?: number;
  /** Retries inside the SDKs before Durable's own (0 in tests). */
  readonly maxRetries?: number;
  /** Timeout of each Graph and webhook call. */
  readonly timeoutMs?: number;
}

export interface CompositionOptions {
  readonly tablePrefix?: string;
  readonly now?: () => Date;
  /** Replaces the Durable Functions client (tests and the offline host run their own engine). */
  readonly workflow?: (context: InvocationContext) => WorkflowClient;
  /** Replaces the notifier (tests inject failures this way). */
  readonly notifier?: Notifier;
  /** Replaces the kube-audit log (tests choose what it answers). */
  readonly kubeAudit?: KubeAuditLog;
  /** Runs work later in this process (a timer that does not hold it open); tests run it by hand. */
  readonly later?: (run: () => Promise<void>, ms: number) => void;
  readonly azure?: AzureOptions;
}

export interface SimulationWorld {
  readonly clusterControl: SimulatedClusters;
  readonly activityLog: SimulatedActivityLog;
  readonly kubeAudit: SimulatedKubeAudit;
  readonly directory: SimulatedDirectory;
  readonly outbox: OutboxNotifier;
  readonly tokens: DevTokenIssuer;
}

export interface App extends Services {
  readonly config: Config;
  /** Present in simulation mode only. */
  readonly dev: DevHandlers | undefined;
  readonly simulation: SimulationWorld | undefined;
}

/** The adapters that differ between the modes. */
interface World extends ModePorts {
  readonly simulation: SimulationWorld | undefined;
}

/** The app's tables, reached as configured (connection string or identity), under one prefix. */
export function composeTableStorage(
  config: Pick<Config, "storage" | "clientId" | "endpoints">,
  tablePrefix = TABLE_PREFIX,
): TableStorageSettings {
  return {
    ...tableAccountOf(config.storage, { clientId: config.clientId, authorityHost: config.endpoints.authority }),
    tablePrefix,
  };
}

/**
 * The audit trail, its index (both sealed with a key of their own derived from
 * BREAKGLASS_LINK_SIGNING_KEY) and the requests that vouch for them.
 */
export function composeAuditStore(
  config: Pick<Config, "storage" | "clientId" | "endpoints" | "linkSigningKey">,
  tablePrefix = TABLE_PREFIX,
): AuditStore {
  return auditStoreOn(composeTableStorage(config, tablePrefix), config.linkSigningKey);
}

type AuditStore = { audit: AuditLog; auditIndex: AuditIndex; requests: RequestStore };

function auditStoreOn(storage: TableStorageSettings, linkSigningKey: string): AuditStore {
  const sealKey = deriveKey(linkSigningKey, "audit-seal");
  return {
    audit: new TableAuditLog(storage, sealKey),
    auditIndex: new TableAuditIndex(storage, sealKey),
    requests: new TableRequestStore(storage),
  };
}

export async function composeApp(config: Config, options: CompositionOptions = {}): Promise<App> {
  const now = options.now ?? (() => new Date());
  const storage = composeTableStorage(config, options.tablePrefix);
  const auditStore = auditStoreOn(storage, config.linkSigningKey);
  const { simulation, ...world } =
    config.mode === "azure"
      ? azureWorld(config, auditStore.audit, now, options.azure ?? {})
      : await simulationWorld(config, storage, now);
  const services = composeServices(
    config,
    {
      ...world,
      ...auditStore,
      notifier: options.notifier ?? world.notifier,
      kubeAudit: options.kubeAudit ?? world.kubeAudit,
      registry: new TableWindowRegistry(storage),
      actions: new TableActionLedger(storage),
      idempotency: new TableIdempotencyStore(storage),
      groupWatchState: new TableDocuments<GroupWatchState>(storage, {
        table: "GroupWatch",
        row: "state",
        empty: NO_GROUP_WATCH_STATE,
      }),
      watchdogMemory: new TableWatchdogMemory(storage),
      credentialWatch: new TableCredentialWatch(storage),
      readinessVerdicts: new TableDocuments<ReadinessVerdicts>(storage, {
        table: "Readiness",
        row: READINESS_DOCUMENT,
        empty: NO_READINESS_VERDICTS,
      }),
      workflow: options.workflow ?? ((context: InvocationContext) => new DurableWorkflowClient(df.getClient(context))),
    },
    { now, ...(options.later ? { later: options.later } : {}) },
  );
  const dev =
    simulation &&
    createDevHandlers({ ...simulation, verifyToken: services.verifyToken, clusters: config.clusters, now });
  return { config, ...services, dev, simulation };
}

function azureWorld(config: Config, audit: AuditLog, now: () => Date, options: AzureOptions): World {
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
    simulation: undefined,
  };
}

async function simulationWorld(config: Config, storage: TableStorageSettings, now: () => Date): Promise<World> {
  const activityLog = new SimulatedActivityLog(storage);
  const clusterControl = new SimulatedClusters(storage, config.clusters, activityLog, now);
  const simulation: SimulationWorld = {
    clusterControl,
    activityLog,
    kubeAudit: new SimulatedKubeAudit(storage, now, clusterControl),
    directory: new SimulatedDirectory(storage, SIMULATION_DIRECTORY),
    outbox: new OutboxNotifier(storage, now),
    tokens: await DevTokenIssuer.create({
      authorityHost: config.endpoints.authority,
      tenantId: config.tenantId,
      audience: config.apiAudience,
    }),
  };
  return {
    leaseMs: 60_000,
    clusterAuthorization: new SimulatedClusterAuthorization(simulation.clusterControl, config.emergencyGroupId),
    tenantPolicies: new SimulatedTenantPolicies(),
    appIdentity: {},
    directory: simulation.directory,
    clusterControl: simulation.clusterControl,
    notifier: simulation.outbox,
    activityLog: simulation.activityLog,
    kubeAudit: simulation.kubeAudit,
    groupChanges: simulation.directory,
    directoryAudit: simulation.directory,
    subscriptions: undefined,
    signingKeys: simulation.tokens.keys,
    pageAuthentication: (policy) =>
      devSessionAuthentication(
        createTokenVerifier(policy),
        DEV_SESSION_COOKIE,
        SIMULATION_USERS.map((user) => user.upn),
      ),
    healthChecks: [],
    simulation,
  };
}

/** The simulated directory's people and groups, as the simulation starts. */
const SIMULATION_DIRECTORY: DirectorySeed = {
  groups: Object.values(SIMULATION_GROUPS),
  users: SIMULATION_USERS.map(({ groups, ...user }) => ({
    ...user,
    groupIds: groups.map((group) => SIMULATION_GROUPS[group].id),
  })),
};

let processApp: Promise<App> | undefined;

/** The app of this process, composed from process.env on first use. */
export function getApp(): Promise<App> {
  processApp ??= composeApp(loadConfig());
  return processApp;
}

/** The `breakglass` command's sign-in in azure mode: the person's own Entra sign-in, not the app's identity. */
export function composeUserSignIn(settings: UserSignInOptions): SignIn {
  return createUserSignIn(settings);
}
