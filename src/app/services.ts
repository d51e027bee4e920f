// The app's features and handlers, built on ports only: composition.ts chooses and builds the
// adapters for the mode, this module wires what runs on them, the same way in both modes.
import { randomBytes } from "node:crypto";
import type { InvocationContext } from "@azure/functions";
import { HealthMonitor } from "../health/monitor.js";
import type { ReadinessMonitor } from "../readiness/monitor.js";
import type { ReadinessWatch } from "../readiness/watch.js";
import { composeReadiness, composeReadinessWatch } from "./readinessServices.js";
import type { GroupWatch } from "../groupWatch/run.js";
import { composeGroupWatch } from "./groupWatchServices.js";
import { createApiHandlers, type ApiHandlers } from "../http/api.js";
import { createTokenVerifier, type TokenPolicy, type VerifyToken } from "../http/authentication.js";
import { Decisions } from "../http/decisions.js";
import { createGraphNotificationHandler } from "../http/graphNotifications.js";
import { endpoint, type HttpHandler } from "../http/handler.js";
import { createReviewHandlers, type ReviewHandlers } from "../http/review.js";
import { createReviewTokens } from "../http/reviewTokens.js";
import { createConsoleHandlers, type ConsoleHandlers } from "../http/console/handlers.js";
import { createConsoleTokens } from "../http/console/tokens.js";
import { ActionDelivery } from "../actions/delivery.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { Directory } from "../ports/directory.js";
import { createManagedClusters, type ManagedClusters } from "../fleet/managedClusters.js";
import type { Notifier } from "../ports/notifier.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { createWatchdog, type Watchdog } from "../watchdog/watchdog.js";
import { AZURE_WATCH_TIMING, SIMULATION_WATCH_TIMING } from "../domain/credentialWatch.js";
import { createEvidenceWatch, type EvidenceWatch } from "../evidence/watch.js";
import { ClusterAccess } from "../windows/clusterAccess.js";
import { createActivityHandlers } from "../workflow/activities.js";
import type { ActivityHandlers } from "../workflow/contracts.js";
import { AZURE_EVIDENCE_PLAN, SIMULATION_EVIDENCE_PLAN } from "../domain/evidence.js";
import type { Config } from "./config.js";
import type { Clock, Parts, Ports } from "./wiring.js";

export type { Clock, ModePorts, StoragePorts } from "./wiring.js";

export interface Services {
  readonly audit: AuditLog;
  readonly auditIndex: AuditIndex;
  readonly requests: RequestStore;
  readonly directory: Directory;
  readonly clusterControl: ClusterControl;
  readonly notifier: Notifier;
  readonly activityLog: ActivityLogReader;
  readonly registry: WindowRegistry;
  /** The managed clusters now: listed, and found by BREAKGLASS_CLUSTER_TAG. */
  readonly fleet: ManagedClusters;
  readonly access: ClusterAccess;
  readonly verifyToken: VerifyToken;
  readonly health: HealthMonitor;
  readonly activities: ActivityHandlers;
  readonly api: ApiHandlers;
  readonly review: ReviewHandlers;
  readonly console: ConsoleHandlers;
  readonly watchdog: Watchdog;
  /** Admin credentials used after their window closed, run after the watchdog's round; absent with BREAKGLASS_EVIDENCE=off. */
  readonly evidenceWatch: EvidenceWatch | undefined;
  /** What became of actions no workflow took: settled by a sweep on the watchdog's timer. */
  readonly delivery: ActionDelivery;
  readonly groupWatch: GroupWatch;
  /** Whether an open would succeed now (GET /api/readiness), and the timer that alerts on changes. */
  readonly readiness: ReadinessMonitor;
  readonly readinessWatch: ReadinessWatch;
  /** POST /api/graph/notifications. */
  readonly graphNotifications: HttpHandler;
  readonly workflow: (context: InvocationContext) => WorkflowClient;
}

export function composeServices(config: Config, ports: Ports, clock: Clock): Services {
  const random = (size: number) => randomBytes(size);
  const delivery = new ActionDelivery({ ...ports, now: clock.now, randomBytes: random });
  const log = (message: string) => console.warn(message);
  const fleet = createManagedClusters({ listed: config.clusters, ...config.fleet }, ports.fleetInventory, clock.now);
  const readiness = composeReadiness(config, ports, clock.now, log, fleet);
  const parts: Parts = {
    config,
    ports,
    clock,
    groups: { emergencyGroupId: config.emergencyGroupId, approverGroupId: config.approverGroupId },
    reviewTokens: createReviewTokens(config.linkSigningKey, config.publicBaseUrl),
    randomBytes: random,
    log,
    delivery,
    readiness,
    fleet,
  };
  const { now } = clock;
  const access = new ClusterAccess(ports.registry, ports.clusterControl, now, { leaseMs: ports.leaseMs });
  const groupWatch = composeGroupWatch(parts);
  return {
    audit: ports.audit,
    auditIndex: ports.auditIndex,
    requests: ports.requests,
    directory: ports.directory,
    clusterControl: ports.clusterControl,
    notifier: ports.notifier,
    activityLog: ports.activityLog,
    registry: ports.registry,
    fleet,
    access,
    groupWatch,
    delivery,
    readiness,
    readinessWatch: composeReadinessWatch(config, ports, {
      readiness,
      now,
      randomBytes: parts.randomBytes,
      log,
    }),
    workflow: ports.workflow,
    activities: createActivityHandlers({
      ...ports,
      access,
      rotateCertificates: config.rotateCertificates,
      groups: parts.groups,
      publicBaseUrl: config.publicBaseUrl,
      alertEmails: config.alertEmails,
      reviewUrl: (requestId, approvalDeadline) => parts.reviewTokens.reviewUrl(requestId, approvalDeadline, now()),
      groupWatch,
    }),
    watchdog: createWatchdog({
      ...ports,
      fleet,
      driftAction: config.driftAction,
      access,
      evidence: config.evidence,
      rotateCertificates: config.rotateCertificates,
      approverGroupId: config.approverGroupId,
      alertEmails: config.alertEmails,
      memory: ports.watchdogMemory,
      now,
      randomBytes: parts.randomBytes,
      log: parts.log,
    }),
    evidenceWatch: config.evidence ? composeEvidenceWatch(parts) : undefined,
    ...composeHandlers(parts),
  };
}

function composeEvidenceWatch({ config, ports, clock, randomBytes, log }: Parts): EvidenceWatch {
  const { rotateCertificates, approverGroupId, alertEmails } = config;
  const timing = config.mode === "azure" ? AZURE_WATCH_TIMING : SIMULATION_WATCH_TIMING;
  const reporting = { approverGroupId, alertEmails, memory: ports.watchdogMemory, now: clock.now, randomBytes, log };
  return createEvidenceWatch({ ...ports, ...reporting, rotateCertificates, timing });
}

/** The HTTP side: who is calling (tokens and pages), the API, the review page and Graph's webhook. */
function composeHandlers(parts: Parts) {
  const { config, ports, clock, groups, reviewTokens, randomBytes, log, delivery, readiness, fleet } = parts;
  const { now } = clock;
  const policy: TokenPolicy = {
    keys: ports.signingKeys,
    authorityHost: config.endpoints.authority,
    tenantId: config.tenantId,
    audience: config.apiAudience,
    now,
  };
  const verifyToken = createTokenVerifier(policy);
  const health = new HealthMonitor(config.mode, ports.healthChecks, now, log);
  const decisions = new Decisions({ ...ports, delivery, groups, now, randomBytes });
  const pages = ports.pageAuthentication(policy);
  const apiDependencies = {
    ...ports,
    config,
    groups,
    verifyToken,
    health,
    readiness,
    decisions,
    delivery,
    fleet,
    now,
    randomBytes,
    ...(config.evidence
      ? { evidencePlan: config.mode === "azure" ? AZURE_EVIDENCE_PLAN : SIMULATION_EVIDENCE_PLAN }
      : {}),
  };
  return {
    verifyToken,
    health,
    api: createApiHandlers(apiDependencies),
    console: createConsoleHandlers({
      ...apiDependencies,
      pages,
      tokens: createConsoleTokens(config.linkSigningKey),
    }),
    review: createReviewHandlers({
      ...ports,
      groups,
      decisions,
      tokens: reviewTokens,
      pages,
      now,
    }),
    graphNotifications: endpoint(
      createGraphNotificationHandler({
        clientState: config.graphClientState,
        audit: ports.audit,
        workflow: ports.workflow,
        now,
        randomBytes,
        ...(clock.later ? { later: clock.later } : {}),
      }),
    ),
  };
}
