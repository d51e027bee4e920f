// The one place that builds adapters from configuration and wires them into the handlers.
import { randomBytes } from "node:crypto";
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { JWTVerifyGetKey } from "jose";
import { ArmActivityLog } from "../adapters/azure/armActivityLog.js";
import { ARM_OPERATION_TIMEOUT_MS, ArmClusterControl } from "../adapters/azure/armClusterControl.js";
import { createCredential, type TokenCredential } from "../adapters/azure/credentials.js";
import { GraphApi } from "../adapters/azure/graph.js";
import { GraphDirectory } from "../adapters/azure/graphDirectory.js";
import { GraphDirectoryAudit } from "../adapters/azure/graphDirectoryAudit.js";
import { GraphSubscriptionsClient } from "../adapters/azure/graphSubscriptions.js";
import { TableDocuments } from "../adapters/azure/tableDocuments.js";
import { TableAuditIndex } from "../adapters/azure/tableAuditIndex.js";
import { TableAuditLog } from "../adapters/azure/tableAuditLog.js";
import { TableRequestStore } from "../adapters/azure/tableRequestStore.js";
import { TableWatchdogMemory } from "../adapters/azure/tableWatchdogMemory.js";
import { TableWindowRegistry } from "../adapters/azure/tableWindowRegistry.js";
import type { TableStorageSettings } from "../adapters/azure/tables.js";
import { TeamsMailNotifier } from "../adapters/azure/teamsMailNotifier.js";
import { DurableWorkflowClient } from "../adapters/durable/durableWorkflowClient.js";
import { DevTokenIssuer } from "../adapters/simulation/devTokens.js";
import { SIMULATION_USERS } from "../adapters/simulation/fixtures.js";
import { OutboxNotifier } from "../adapters/simulation/outbox.js";
import { SimulatedActivityLog } from "../adapters/simulation/simulatedActivityLog.js";
import { SimulatedClusters } from "../adapters/simulation/simulatedClusters.js";
import { SimulatedDirectory } from "../adapters/simulation/simulatedDirectory.js";
import { ClusterAccess } from "../windows/clusterAccess.js";
import { loadConfig, type Config } from "./config.js";
import { HealthMonitor, type HealthCheck } from "../health/monitor.js";
import { azureHealthChecks } from "../health/azureChecks.js";
import { createGroupWatch, type GroupWatch } from "../groupWatch/run.js";
import { NO_GROUP_WATCH_STATE, type GroupWatchState } from "../groupWatch/state.js";
import { createApiHandlers, endpoint, type ApiHandlers, type HttpHandler } from "../http/api.js";
import { createTokenVerifier, tenantSigningKeys, type TokenPolicy, type VerifyToken } from "../http/authentication.js";
import { createDecisions } from "../http/decisions.js";
import { createDevHandlers, DEV_SESSION_COOKIE, type DevHandlers } from "../http/dev.js";
import { createGraphNotificationHandler } from "../http/graphNotifications.js";
import {
  appServiceAuthentication,
  devSessionAuthentication,
  type PageAuthentication,
} from "../http/pageAuthentication.js";
import { createReviewHandlers, type ReviewHandlers } from "../http/review.js";
import { createReviewTokens } from "../http/reviewTokens.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { Directory } from "../ports/directory.js";
import type { DirectoryAudit } from "../ports/directoryAudit.js";
import type { GraphSubscriptions } from "../ports/graphSubscriptions.js";
import type { GroupChanges } from "../ports/groupChanges.js";
import type { Notifier } from "../ports/notifier.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { deriveKey } from "../domain/keys.js";
import { createWatchdog, type Watchdog } from "../watchdog/watchdog.js";
import { createActivityHandlers } from "../workflow/activities.js";
import type { ActivityHandlers } from "../workflow/contracts.js";

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
  /** Runs work later in this process (a timer that does not hold it open); tests run it by hand. */
  readonly later?: (run: () => Promise<void>, ms: number) => void;
  readonly azure?: AzureOptions;
}

export interface SimulationWorld {
  readonly clusters: SimulatedClusters;
  readonly activityLog: SimulatedActivityLog;
  readonly directory: SimulatedDirectory;
  readonly outbox: OutboxNotifier;
  readonly tokens: DevTokenIssuer;
}

export interface App {
  readonly config: Config;
  readonly audit: AuditLog;
  readonly auditIndex: AuditIndex;
  readonly requests: RequestStore;
  readonly directory: Directory;
  readonly clusters: ClusterControl;
  readonly notifier: Notifier;
  readonly activityLog: ActivityLogReader;
  readonly registry: WindowRegistry;
  readonly access: ClusterAccess;
  readonly verifyToken: VerifyToken;
  readonly health: HealthMonitor;
  readonly activities: ActivityHandlers;
  readonly api: ApiHandlers;
  readonly review: ReviewHandlers;
  readonly watchdog: Watchdog;
  readonly groupWatch: GroupWatch;
  /** POST /api/graph/notifications. */
  readonly graphNotifications: HttpHandler;
  /** The workflow client of one invocation. */
  readonly workflow: (context: InvocationContext) => WorkflowClient;
  /** Present in simulation mode only. */
  readonly dev: DevHandlers | undefined;
  readonly simulation: SimulationWorld | undefined;
}

/** The adapters that differ between the modes. */
interface World {
  readonly directory: Directory;
  readonly clusters: ClusterControl;
  readonly notifier: Notifier;
  readonly activityLog: ActivityLogReader;
  readonly groupChanges: GroupChanges;
  readonly directoryAudit: DirectoryAudit;
  /** Graph change-notification subscriptions; absent in simulation (its timer alone watches the groups). */
  readonly subscriptions: GraphSubscriptions | undefined;
  /** The keys inbound tokens are verified with. */
  readonly signingKeys: JWTVerifyGetKey;
  /** How a browser page learns who is looking at it. */
  readonly pageAuthentication: (policy: TokenPolicy) => PageAuthentication;
  /** How long a cluster lease lasts if its holder dies: longer than the slowest cluster write. */
  readonly leaseMs: number;
  readonly healthChecks: readonly HealthCheck[];
  readonly simulation: SimulationWorld | undefined;
}

/**
 * The audit trail, its index (both sealed with a key of their own derived from
 * BREAKGLASS_LINK_SIGNING_KEY) and the requests that vouch for them.
 */
export function composeAuditStore(
  config: Pick<Config, "storageConnectionString" | "linkSigningKey">,
  tablePrefix = TABLE_PREFIX,
): { audit: AuditLog; auditIndex: AuditIndex; requests: RequestStore } {
  const storage: TableStorageSettings = { connectionString: config.storageConnectionString, tablePrefix };
  const sealKey = deriveKey(config.linkSigningKey, "audit-seal");
  return {
    audit: new TableAuditLog(storage, sealKey),
    auditIndex: new TableAuditIndex(storage, sealKey),
    requests: new TableRequestStore(storage),
  };
}

export async function composeApp(config: Config, options: CompositionOptions = {}): Promise<App> {
  const now = options.now ?? (() => new Date());
  const storage: TableStorageSettings = {
    connectionString: config.storageConnectionString,
    tablePrefix: options.tablePrefix ?? TABLE_PREFIX,
  };
  const { audit, auditIndex, requests } = composeAuditStore(config, storage.tablePrefix);
  const registry = new TableWindowRegistry(storage);
  const world =
    config.mode === "azure"
      ? azureWorld(config, audit, now, options.azure ?? {})
      : await simulationWorld(config, storage, now);
  const policy: TokenPolicy = {
    keys: world.signingKeys,
    authorityHost: config.endpoints.authority,
    tenantId: config.tenantId,
    audience: config.apiAudience,
    now,
  };
  const verifyToken = createTokenVerifier(policy);
  const reviewTokens = createReviewTokens(config.linkSigningKey, config.publicBaseUrl);
  const workflow =
    options.workflow ?? ((context: InvocationContext) => new DurableWorkflowClient(df.getClient(context)));
  const health = new HealthMonitor(config.mode, world.healthChecks, now, (message) => console.warn(message));
  const parts = {
    audit,
    auditIndex,
    requests,
    directory: world.directory,
    clusters: world.clusters,
    notifier: options.notifier ?? world.notifier,
  };
  const groups = { emergencyGroupId: config.emergencyGroupId, approverGroupId: config.approverGroupId };
  const random = (size: number) => randomBytes(size);
  const decisions = createDecisions({ ...parts, groups, now, randomBytes: random });
  const access = new ClusterAccess(registry, world.clusters, now, { leaseMs: world.leaseMs });
  const { simulation } = world;
  const log = (message: string) => console.warn(message);
  const groupWatch = createGroupWatch({
    ...parts,
    emergencyGroupId: config.emergencyGroupId,
    approverGroupId: config.approverGroupId,
    maxMembers: config.groupMaxMembers,
    alertEmails: config.alertEmails,
    changes: world.groupChanges,
    directoryAudit: world.directoryAudit,
    ...(world.subscriptions && config.graphClientState
      ? {
          subscriptions: {
            api: world.subscriptions,
            notificationUrl: `${config.publicBaseUrl}/api/graph/notifications`,
            clientState: config.graphClientState,
          },
        }
      : {}),
    store: new TableDocuments<GroupWatchState>(storage, {
      table: "GroupWatch",
      row: "state",
      empty: NO_GROUP_WATCH_STATE,
    }),
    now,
    randomBytes: random,
    log,
  });
  return {
    config,
    ...parts,
    activityLog: world.activityLog,
    verifyToken,
    health,
    registry,
    access,
    workflow,
    activities: createActivityHandlers({
      ...parts,
      clusterControl: world.clusters,
      access,
      activityLog: world.activityLog,
      rotateCertificates: config.rotateCertificates,
      groups,
      publicBaseUrl: config.publicBaseUrl,
      alertEmails: config.alertEmails,
      reviewUrl: (requestId, approvalDeadline) => reviewTokens.reviewUrl(requestId, approvalDeadline, now()),
      groupWatch,
    }),
    api: createApiHandlers({
      ...parts,
      config,
      verifyToken,
      health,
      decisions,
      workflow,
      now,
      randomBytes: random,
    }),
    review: createReviewHandlers({
      ...parts,
      groups,
      decisions,
      tokens: reviewTokens,
      pages: world.pageAuthentication(policy),
      workflow,
      now,
    }),
    watchdog: createWatchdog({
      ...parts,
      clusterControl: world.clusters,
      clustersToWatch: config.clusters,
      driftAction: config.driftAction,
      registry,
      access,
      activityLog: world.activityLog,
      rotateCertificates: config.rotateCertificates,
      approverGroupId: config.approverGroupId,
      alertEmails: config.alertEmails,
      memory: new TableWatchdogMemory(storage),
      now,
      randomBytes: random,
      log,
    }),
    groupWatch,
    graphNotifications: endpoint(
      createGraphNotificationHandler({
        clientState: config.graphClientState,
        audit,
        workflow,
        now,
        randomBytes: random,
        ...(options.later ? { later: options.later } : {}),
      }),
    ),
    dev: simulation ? createDevHandlers({ ...simulation, verifyToken, managed: config.clusters, now }) : undefined,
    simulation,
  };
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
  const clusters = new ArmClusterControl(credential, {
    endpoint: config.endpoints.arm,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: options.operationTimeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
  const activityLog = new ArmActivityLog(credential, config.endpoints.arm, options.maxRetries);
  return {
    leaseMs: (options.operationTimeoutMs ?? ARM_OPERATION_TIMEOUT_MS) + 5 * 60_000,
    directory,
    clusters,
    notifier: new TeamsMailNotifier(
      {
        teamsWebhookUrl: config.teamsWebhookUrl,
        mailSender: config.mailSender,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      },
      graph,
    ),
    activityLog,
    groupChanges: directory,
    directoryAudit: new GraphDirectoryAudit(graph),
    subscriptions: new GraphSubscriptionsClient(graph),
    signingKeys: tenantSigningKeys(config.endpoints.authority, config.tenantId),
    pageAuthentication: (policy) => appServiceAuthentication(createTokenVerifier(policy, "id")),
    healthChecks: azureHealthChecks({ config, audit, clusterControl: clusters, directory, activityLog, now }),
    simulation: undefined,
  };
}

async function simulationWorld(config: Config, storage: TableStorageSettings, now: () => Date): Promise<World> {
  const simulation: SimulationWorld = {
    clusters: new SimulatedClusters(storage, config.clusters),
    activityLog: new SimulatedActivityLog(storage),
    directory: new SimulatedDirectory(storage),
    outbox: new OutboxNotifier(storage, now),
    tokens: await DevTokenIssuer.create({
      authorityHost: config.endpoints.authority,
      tenantId: config.tenantId,
      audience: config.apiAudience,
    }),
  };
  return {
    leaseMs: 60_000,
    directory: simulation.directory,
    clusters: simulation.clusters,
    notifier: simulation.outbox,
    activityLog: simulation.activityLog,
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

let processApp: Promise<App> | undefined;

/** The app of this process, composed from process.env on first use. */
export function getApp(): Promise<App> {
  processApp ??= composeApp(loadConfig());
  return processApp;
}
