// A whole app for one test: real configuration parsing, the real composition with simulation
// adapters on the run's Azurite (tables under a prefix of its own), the real orchestrator and
// activities run by the durable engine on a manual clock, and HTTP handlers called with real
// HttpRequest objects.
import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { HttpRequest, InvocationContext, type Cookie, type HttpResponseInit } from "@azure/functions";
import { inject } from "vitest";
import { ManualClock } from "../../dev/durable/clock.js";
import { DurableEngine, type ActivityFunction, type EpisodeRecord } from "../../dev/durable/engine.js";
import { EngineWorkflowClient } from "../../dev/durable/engineWorkflowClient.js";
import { createExecutor } from "../../dev/durable/sdk.js";
import { SIMULATION_CLUSTER_IDS, SIMULATION_USERS } from "../../src/app/simulationDefaults.js";
import { composeApp, type App, type SimulationWorld } from "../../src/app/composition.js";
import { parseConfig, type Config } from "../../src/app/config.js";
import type { AuditEntry } from "../../src/domain/audit.js";
import { findManagedCluster, type ManagedCluster } from "../../src/domain/clusters.js";
import type { HttpHandler } from "../../src/http/handler.js";
import type { FleetInventory } from "../../src/ports/fleet.js";
import type { KubeAuditLog } from "../../src/ports/kubeAuditLog.js";
import type { Notifier } from "../../src/ports/notifier.js";
import type { DirectoryUser } from "../../src/ports/directory.js";
import type { WorkflowClient } from "../../src/ports/workflowClient.js";
import type { AzureWorld } from "./azureWorld.js";
import { GROUP_WATCH_ORCHESTRATOR, WINDOW_ORCHESTRATOR } from "../../src/workflow/contracts.js";
import { groupWatchOrchestrator } from "../../src/workflow/groupWatchOrchestrator.js";
import { emergencyWindowOrchestrator } from "../../src/workflow/window/story.js";

export const T0 = new Date("2026-11-28T10:00:00.000Z");
export const MINUTE = 60_000;
export const [WEU, NEU] = SIMULATION_CLUSTER_IDS;

export type UserName = "alice" | "bob" | "carol" | "mallory";
export const USERS = Object.fromEntries(SIMULATION_USERS.map((user) => [user.upn.split("@")[0], user])) as Record<
  UserName,
  (typeof SIMULATION_USERS)[number]
>;

/** Engineer number `index` of a larger team than the simulation's four people: enabled, with a mailbox. */
export const engineer = (index: number): DirectoryUser => ({
  oid: `e0000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
  upn: `engineer${index}@contoso.dev`,
  displayName: `Engineer ${index}`,
  mail: `engineer${index}@contoso.dev`,
  accountEnabled: true,
});

export interface EngineerOptions {
  /** The group they join: the emergency group unless said otherwise. */
  readonly group?: "emergency" | "approvers";
  /** Who engineer number `index` is: `engineer(index)` unless said otherwise. */
  readonly person?: (index: number) => DirectoryUser;
}

export interface HarnessOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly notifier?: Notifier;
  /** Replaces the kube-audit log the evidence is collected from. */
  readonly kubeAudit?: KubeAuditLog;
  /** Wraps activities, e.g. to make one fail. */
  readonly wrapActivity?: (name: string, activity: ActivityFunction) => ActivityFunction;
  /** Wraps the engine-backed workflow client, e.g. to make starting fail. */
  readonly wrapWorkflow?: (client: WorkflowClient) => WorkflowClient;
  /** Wraps the fleet inventory, e.g. to make it stale or fail. */
  readonly wrapFleetInventory?: (inventory: FleetInventory) => FleetInventory;
  /** Azure mode against the HTTPS fakes instead of simulation mode. */
  readonly azure?: AzureWorld;
  /** Sees every orchestrator episode (to record histories for the replay-compatibility test). */
  readonly onEpisode?: (episode: EpisodeRecord) => void;
  /** How far the simulated Resource Graph lags the simulated ARM: 0 unless the test is about the lag. */
  readonly resourceGraphLagMs?: number;
}

export interface CallOptions {
  readonly method?: string;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** JSON-encoded with Content-Type: application/json. */
  readonly json?: unknown;
  /** Sent as is. */
  readonly body?: string;
  /** Sent as these bytes (which need not be UTF-8). */
  readonly bytes?: Uint8Array;
  /** Sends `Authorization: Bearer <token of this user>`. */
  readonly as?: UserName;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly cookies: readonly Cookie[];
  readonly body: unknown;
}

export interface Harness {
  readonly clock: ManualClock;
  readonly config: Config;
  readonly app: App;
  readonly world: SimulationWorld;
  readonly engine: DurableEngine;
  readonly logs: string[];
  /** The prefix of this harness's tables in Azurite. */
  readonly tablePrefix: string;
  /** One of this harness's tables, raw (to edit it the way someone with the storage key could). */
  table(name: string): TableClient;
  cluster(id?: string): ManagedCluster;
  token(user: UserName, lifetimeSeconds?: number): Promise<string>;
  call(handler: HttpHandler, options?: CallOptions): Promise<Reply>;
  localAccounts(id?: string): Promise<"enabled" | "disabled">;
  auditTypes(requestId: string): Promise<string[]>;
  audit(requestId: string): Promise<readonly AuditEntry[]>;
  /** Runs the work the app deferred to later in the process whose time has come on the clock. */
  runDeferred(): Promise<void>;
  /** Adds `count` engineers to the simulated directory and to one of its groups; them, in order. */
  addEngineers(count: number, options?: EngineerOptions): Promise<readonly DirectoryUser[]>;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock(T0);
  const config = parseConfig({
    BREAKGLASS_MODE: "simulation",
    // Evidence adds durable timers after every lockdown: the tests about it turn it on.
    BREAKGLASS_EVIDENCE: "off",
    ...options.azure?.env,
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    ...options.env,
  });
  const logs: string[] = [];
  // The app needs a workflow client, and the engine that serves it needs the app's activities.
  const workflow: { client?: WorkflowClient } = {};
  const tablePrefix = `t${randomBytes(5).toString("hex")}`;
  const deferred: { readonly run: () => Promise<void>; readonly at: number }[] = [];
  const app = await composeApp(config, {
    tablePrefix,
    now: () => clock.date(),
    later: (run, ms) => void deferred.push({ run, at: clock.now() + ms }),
    workflow: () => workflow.client!,
    ...(options.notifier ? { notifier: options.notifier } : {}),
    ...(options.kubeAudit ? { kubeAudit: options.kubeAudit } : {}),
    ...(options.wrapFleetInventory ? { wrapFleetInventory: options.wrapFleetInventory } : {}),
    ...(options.azure ? { azure: options.azure.options } : {}),
    // The simulation's default lag is the real world's inconvenience: the tests about it ask for it.
    resourceGraphLagMs: options.resourceGraphLagMs ?? 0,
  });
  const wrap = options.wrapActivity ?? ((_name, activity) => activity);
  const activities = Object.fromEntries(
    Object.entries(app.activities).map(([name, activity]) => [name, wrap(name, activity as ActivityFunction)]),
  );
  const engine = new DurableEngine({
    orchestrators: {
      [WINDOW_ORCHESTRATOR]: createExecutor(emergencyWindowOrchestrator),
      [GROUP_WATCH_ORCHESTRATOR]: createExecutor(groupWatchOrchestrator),
    },
    activities,
    clock,
    log: (line) => logs.push(line),
    ...(options.onEpisode ? { onEpisode: options.onEpisode } : {}),
  });
  workflow.client = (options.wrapWorkflow ?? ((engineClient) => engineClient))(new EngineWorkflowClient(engine));
  const simulation = () => {
    if (!app.simulation) throw new Error("the simulated world exists in simulation mode only");
    return app.simulation;
  };

  const cluster = (id: string = WEU) => findManagedCluster(config.clusters, id)!;
  const token = async (user: UserName, lifetimeSeconds?: number) =>
    options.azure
      ? options.azure.token(USERS[user].upn, clock.date())
      : (await simulation().tokens.issue(toDirectoryUser(user), clock.date(), lifetimeSeconds)).access_token;

  return {
    clock,
    config,
    app,
    get world() {
      return simulation();
    },
    engine,
    logs,
    tablePrefix,
    table: (name) =>
      TableClient.fromConnectionString(inject("azuriteConnectionString"), `${tablePrefix}${name}`, {
        allowInsecureConnection: true,
      }),
    cluster,
    token,
    async runDeferred() {
      const due = deferred.filter((work) => work.at <= clock.now());
      deferred.splice(0, deferred.length, ...deferred.filter((work) => !due.includes(work)));
      for (const work of due) await work.run();
    },
    async call(handler, call = {}) {
      const headers: Record<string, string> = { ...call.headers };
      if (call.as) headers.authorization = `Bearer ${await token(call.as)}`;
      let body = call.body;
      if (call.json !== undefined) {
        body = JSON.stringify(call.json);
        headers["content-type"] ??= "application/json";
      }
      const payload = call.bytes ? { bytes: call.bytes } : body === undefined ? undefined : { string: body };
      const request = new HttpRequest({
        method: call.method ?? (payload === undefined ? "GET" : "POST"),
        url: `http://localhost:7071/api/test${queryString(call.query)}`,
        headers,
        params: call.params ?? {},
        query: call.query ?? {},
        ...(payload === undefined ? {} : { body: payload }),
      });
      const context = new InvocationContext({
        functionName: "test",
        invocationId: randomBytes(8).toString("hex"),
        logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(" ")}`),
      });
      return toReply(await handler(request, context));
    },
    async localAccounts(id = WEU) {
      const read = await app.clusterControl.read(cluster(id));
      if (read.kind !== "found") throw new Error(`cluster ${id} not found`);
      return read.state.localAccounts;
    },
    async audit(requestId) {
      return app.audit.readStream(requestId);
    },
    async auditTypes(requestId) {
      return (await app.audit.readStream(requestId)).map((entry) => entry.type);
    },
    async addEngineers(count, { group = "emergency", person = engineer } = {}) {
      const groupId = group === "emergency" ? config.emergencyGroupId : config.approverGroupId;
      const engineers = Array.from({ length: count }, (_, index) => person(index));
      for (const user of engineers) {
        await simulation().directory.addUser(user);
        await simulation().directory.addMember(groupId, user.oid);
      }
      return engineers;
    },
  };
}

function toDirectoryUser(name: UserName) {
  const user = USERS[name];
  return { oid: user.oid, upn: user.upn, displayName: user.displayName };
}

function queryString(query: Record<string, string> | undefined): string {
  return query && Object.keys(query).length ? `?${new URLSearchParams(query).toString()}` : "";
}

function toReply(response: HttpResponseInit): Reply {
  const headers = new Headers(response.headers);
  const text = typeof response.body === "string" ? response.body : "";
  const json = headers.get("content-type")?.startsWith("application/json") ?? false;
  return {
    status: response.status ?? 200,
    headers,
    cookies: response.cookies ?? [],
    body: text && json ? (JSON.parse(text) as unknown) : text || undefined,
  };
}
