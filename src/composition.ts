// The one place that builds adapters from configuration and wires them into the handlers.
import { randomBytes } from "node:crypto";
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { DurableWorkflowClient } from "./adapters/durable/durableWorkflowClient.js";
import { TableAuditLog } from "./adapters/azure/tableAuditLog.js";
import { TableRequestStore } from "./adapters/azure/tableRequestStore.js";
import type { TableStorageSettings } from "./adapters/azure/tables.js";
import { DevTokenIssuer } from "./adapters/simulation/devTokens.js";
import { OutboxNotifier } from "./adapters/simulation/outbox.js";
import { SimulatedActivityLog } from "./adapters/simulation/simulatedActivityLog.js";
import { SimulatedClusters } from "./adapters/simulation/simulatedClusters.js";
import { SimulatedDirectory } from "./adapters/simulation/simulatedDirectory.js";
import { loadConfig, type Config } from "./config.js";
import { createApiHandlers, type ApiHandlers } from "./http/api.js";
import { createTokenVerifier, type VerifyToken } from "./http/authentication.js";
import { createDevHandlers, type DevHandlers } from "./http/dev.js";
import type { AuditLog } from "./ports/auditLog.js";
import type { ClusterControl } from "./ports/clusterControl.js";
import type { Directory } from "./ports/directory.js";
import type { Notifier } from "./ports/notifier.js";
import type { RequestStore } from "./ports/requestStore.js";
import type { WorkflowClient } from "./ports/workflowClient.js";
import { createActivityHandlers } from "./workflow/activities.js";
import type { ActivityHandlers } from "./workflow/contracts.js";

/** The default prefix of every table the app owns. Independent of TASKHUB_NAME on purpose: the audit trail must survive a task hub change. */
export const TABLE_PREFIX = "breakglass";

export interface CompositionOptions {
  readonly tablePrefix?: string;
  readonly now?: () => Date;
  /** Replaces the Durable Functions client (tests and the offline host run their own engine). */
  readonly workflow?: (context: InvocationContext) => WorkflowClient;
  /** Replaces an adapter (tests inject failures this way). */
  readonly notifier?: Notifier;
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
  readonly requests: RequestStore;
  readonly directory: Directory;
  readonly clusters: ClusterControl;
  readonly notifier: Notifier;
  readonly verifyToken: VerifyToken;
  readonly activities: ActivityHandlers;
  readonly api: ApiHandlers;
  /** Present in simulation mode only. */
  readonly dev: DevHandlers | undefined;
  readonly simulation: SimulationWorld | undefined;
}

export async function composeApp(config: Config, options: CompositionOptions = {}): Promise<App> {
  const now = options.now ?? (() => new Date());
  const storage: TableStorageSettings = { connectionString: config.storageConnectionString, tablePrefix: options.tablePrefix ?? TABLE_PREFIX };
  const audit = new TableAuditLog(storage);
  const requests = new TableRequestStore(storage);
  const tokenPolicy = { authorityHost: config.endpoints.authority, tenantId: config.tenantId, audience: config.apiAudience, now };

  if (config.mode === "azure") {
    // ARM, Microsoft Graph and Teams adapters are not built yet; refuse rather than run half an app.
    throw new Error("BREAKGLASS_MODE=azure is not available in this build: the ARM, Graph and Teams adapters are missing");
  }

  const simulation: SimulationWorld = {
    clusters: new SimulatedClusters(storage, config.clusters),
    activityLog: new SimulatedActivityLog(storage),
    directory: new SimulatedDirectory(storage),
    outbox: new OutboxNotifier(storage, now),
    tokens: await DevTokenIssuer.create(tokenPolicy),
  };
  const verifyToken = createTokenVerifier({ ...tokenPolicy, keys: simulation.tokens.keys });
  const parts = {
    audit,
    requests,
    directory: simulation.directory,
    clusters: simulation.clusters,
    notifier: options.notifier ?? simulation.outbox,
  };
  return {
    config,
    ...parts,
    verifyToken,
    activities: createActivityHandlers({
      ...parts,
      groups: { emergencyGroupId: config.emergencyGroupId, approverGroupId: config.approverGroupId },
      publicBaseUrl: config.publicBaseUrl,
      alertEmails: config.alertEmails,
    }),
    api: createApiHandlers({
      ...parts,
      config,
      verifyToken,
      workflow: options.workflow ?? ((context) => new DurableWorkflowClient(df.getClient(context))),
      now,
      randomBytes: (size) => randomBytes(size),
    }),
    dev: createDevHandlers({ ...simulation, verifyToken, managed: config.clusters, now }),
    simulation,
  };
}

let processApp: Promise<App> | undefined;

/** The app of this process, composed from process.env on first use. */
export function getApp(): Promise<App> {
  processApp ??= composeApp(loadConfig());
  return processApp;
}
