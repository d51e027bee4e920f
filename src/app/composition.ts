// The one place that builds adapters from configuration: the mode's world (Azure, or the
// simulation on local storage) and the tables both modes keep; services.ts wires what runs on them.
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
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
import type { UserSignInOptions } from "../adapters/azure/userSignIn.js";
import { DurableWorkflowClient } from "../adapters/durable/durableWorkflowClient.js";
import { deriveKey } from "../domain/keys.js";
import { NO_GROUP_WATCH_STATE, type GroupWatchState } from "../groupWatch/state.js";
import { NO_READINESS_VERDICTS, READINESS_DOCUMENT, type ReadinessVerdicts } from "../readiness/watch.js";
import { createDevHandlers, type DevHandlers } from "../http/dev.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { FleetInventory } from "../ports/fleet.js";
import type { KubeAuditLog } from "../ports/kubeAuditLog.js";
import type { Notifier } from "../ports/notifier.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { SignIn } from "../ports/signIn.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { loadConfig, type Config } from "./config.js";
import { tableAccountOf } from "./tableAccount.js";
import { composeServices, type Services } from "./services.js";
import type { AzureOptions, SimulationWorld } from "./world.js";

export type { AzureOptions, SimulationWorld } from "./world.js";

/** The default prefix of every table the app owns. Independent of TASKHUB_NAME on purpose: the audit trail must survive a task hub change. */
export const TABLE_PREFIX = "breakglass";

export interface CompositionOptions {
  readonly tablePrefix?: string;
  readonly now?: () => Date;
  /** Replaces the Durable Functions client (tests and the offline host run their own engine). */
  readonly workflow?: (context: InvocationContext) => WorkflowClient;
  /** Replaces the notifier (tests inject failures this way). */
  readonly notifier?: Notifier;
  /** Replaces the kube-audit log (tests choose what it answers). */
  readonly kubeAudit?: KubeAuditLog;
  /** Wraps the fleet inventory (tests make it stale or fail, docs/design.md §12.2). */
  readonly wrapFleetInventory?: (inventory: FleetInventory) => FleetInventory;
  /** Runs work later in this process (a timer that does not hold it open); tests run it by hand. */
  readonly later?: (run: () => Promise<void>, ms: number) => void;
  readonly azure?: AzureOptions;
  /** How far the simulated Resource Graph lags the simulated ARM (default SIMULATED_RESOURCE_GRAPH_LAG_MS); tests pass 0 unless they test the lag. */
  readonly resourceGraphLagMs?: number;
}

export interface App extends Services {
  readonly config: Config;
  /** Present in simulation mode only. */
  readonly dev: DevHandlers | undefined;
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
      ? (await import("./azureWorld.js")).azureWorld(config, auditStore.audit, now, options.azure ?? {})
      : await (await import("./simulationWorld.js")).simulationWorld(config, storage, now, options.resourceGraphLagMs);
  const services = composeServices(
    config,
    {
      ...world,
      ...auditStore,
      notifier: options.notifier ?? world.notifier,
      kubeAudit: options.kubeAudit ?? world.kubeAudit,
      fleetInventory: options.wrapFleetInventory?.(world.fleetInventory) ?? world.fleetInventory,
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
  const dev = simulation && createDevHandlers({ ...simulation, verifyToken: services.verifyToken, now });
  return { config, ...services, dev, simulation };
}

let processApp: Promise<App> | undefined;

/** The app of this process, composed on first use from the configuration the registrations parsed (process.env). */
export function getApp(config: Config = loadConfig()): Promise<App> {
  processApp ??= composeApp(config);
  return processApp;
}

/** The `breakglass` command's sign-in in azure mode: the person's own Entra sign-in, not the app's identity. */
export async function composeUserSignIn(settings: UserSignInOptions): Promise<SignIn> {
  return (await import("../adapters/azure/userSignIn.js")).createUserSignIn(settings);
}
