// The app's features and handlers, built on ports only: composition.ts chooses and builds the
// adapters for the mode, this module wires what runs on them, the same way in both modes.
import { randomBytes } from "node:crypto";
import type { InvocationContext } from "@azure/functions";
import type { JWTVerifyGetKey } from "jose";
import type { GroupIds } from "../access/membership.js";
import { HealthMonitor, type HealthCheck } from "../health/monitor.js";
import type { AppIdentity } from "../readiness/clusterChecks.js";
import type { ReadinessMonitor } from "../readiness/monitor.js";
import type { ReadinessVerdicts, ReadinessWatch } from "../readiness/watch.js";
import { composeReadiness, composeReadinessWatch } from "./readinessServices.js";
import type { ClusterAuthorization, TenantPolicies } from "../ports/readinessFacts.js";
import { createGroupWatch, type GroupWatch } from "../groupWatch/run.js";
import type { GroupWatchState } from "../groupWatch/state.js";
import { createApiHandlers, type ApiHandlers } from "../http/api.js";
import { createTokenVerifier, type TokenPolicy, type VerifyToken } from "../http/authentication.js";
import { Decisions } from "../http/decisions.js";
import { createGraphNotificationHandler } from "../http/graphNotifications.js";
import { endpoint, type HttpHandler } from "../http/handler.js";
import type { PageAuthentication } from "../http/pageAuthentication.js";
import { createReviewHandlers, type ReviewHandlers } from "../http/review.js";
import { createReviewTokens, type ReviewTokens } from "../http/reviewTokens.js";
import { ActionDelivery } from "../actions/delivery.js";
import type { ActionLedger } from "../ports/actionLedger.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { Directory } from "../ports/directory.js";
import type { DirectoryAudit } from "../ports/directoryAudit.js";
import type { GraphSubscriptions } from "../ports/graphSubscriptions.js";
import type { GroupChanges } from "../ports/groupChanges.js";
import type { IdempotencyStore } from "../ports/idempotencyStore.js";
import type { CredentialWatchStore } from "../ports/credentialWatch.js";
import type { KubeAuditLog } from "../ports/kubeAuditLog.js";
import type { Notifier } from "../ports/notifier.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { StateStore } from "../ports/stateStore.js";
import type { WatchdogMemory } from "../ports/watchdogMemory.js";
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

/** What the chosen mode provides: its adapters, as ports, and how it signs people in. */
export interface ModePorts {
  readonly directory: Directory;
  readonly clusterControl: ClusterControl;
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
  /** What readiness reads: who may do what on a cluster, where its logs go, the tenant's policies. */
  readonly clusterAuthorization: ClusterAuthorization;
  readonly tenantPolicies: TenantPolicies;
  /** The app's own identity, named in the fixes readiness proposes. */
  readonly appIdentity: AppIdentity;
  /** What was done with admin kubeconfigs: the clusters' kube-audit logs. */
  readonly kubeAudit: KubeAuditLog;
}

/** The ports on Table Storage and Durable Functions, the same in both modes. */
export interface StoragePorts {
  readonly audit: AuditLog;
  /** Receipts of the actions handed to request workflows. */
  readonly actions: ActionLedger;
  readonly auditIndex: AuditIndex;
  readonly requests: RequestStore;
  /** The Idempotency-Keys of POST /api/requests. */
  readonly idempotency: IdempotencyStore;
  readonly registry: WindowRegistry;
  readonly groupWatchState: StateStore<GroupWatchState>;
  readonly watchdogMemory: WatchdogMemory;
  /** The readiness timer's last verdict per check, so that each change is alerted once. */
  readonly readinessVerdicts: StateStore<ReadinessVerdicts>;
  /** Closed windows whose admin credentials may still work, and what the evidence watch found. */
  readonly credentialWatch: CredentialWatchStore;
  /** The workflow client of one invocation. */
  readonly workflow: (context: InvocationContext) => WorkflowClient;
}

export interface Clock {
  readonly now: () => Date;
  /** Runs work later in this process (a timer that does not hold it open); tests run it by hand. */
  readonly later?: (run: () => Promise<void>, ms: number) => void;
}

export interface Services {
  readonly audit: AuditLog;
  readonly auditIndex: AuditIndex;
  readonly requests: RequestStore;
  readonly directory: Directory;
  readonly clusterControl: ClusterControl;
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

type Ports = ModePorts & StoragePorts;

/** What every part is built with: the ports, the settings, the clock, the two groups, the review links. */
interface Parts {
  readonly config: Config;
  readonly ports: Ports;
  readonly clock: Clock;
  readonly groups: GroupIds;
  readonly reviewTokens: ReviewTokens;
  readonly randomBytes: (size: number) => Uint8Array;
  readonly log: (message: string) => void;
  readonly delivery: ActionDelivery;
  readonly readiness: ReadinessMonitor;
}

export function composeServices(config: Config, ports: Ports, clock: Clock): Services {
  const random = (size: number) => randomBytes(size);
  const delivery = new ActionDelivery({ ...ports, now: clock.now, randomBytes: random });
  const log = (message: string) => console.warn(message);
  const readiness = composeReadiness(config, ports, clock.now, log);
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
      clustersToWatch: config.clusters,
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

function composeGroupWatch({ config, ports, clock, randomBytes, log }: Parts): GroupWatch {
  return createGroupWatch({
    directory: ports.directory,
    audit: ports.audit,
    notifier: ports.notifier,
    emergencyGroupId: config.emergencyGroupId,
    approverGroupId: config.approverGroupId,
    maxMembers: config.groupMaxMembers,
    alertEmails: config.alertEmails,
    changes: ports.groupChanges,
    directoryAudit: ports.directoryAudit,
    ...(ports.subscriptions && config.graphClientState
      ? {
          subscriptions: {
            api: ports.subscriptions,
            notificationUrl: `${config.publicBaseUrl}/api/graph/notifications`,
            clientState: config.graphClientState,
          },
        }
      : {}),
    store: ports.groupWatchState,
    now: clock.now,
    randomBytes,
    log,
  });
}

/** The HTTP side: who is calling (tokens and pages), the API, the review page and Graph's webhook. */
function composeHandlers({ config, ports, clock, groups, reviewTokens, randomBytes, log, delivery, readiness }: Parts) {
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
  return {
    verifyToken,
    health,
    api: createApiHandlers({
      ...ports,
      config,
      groups,
      verifyToken,
      health,
      readiness,
      decisions,
      delivery,
      now,
      randomBytes,
      ...(config.evidence
        ? { evidencePlan: config.mode === "azure" ? AZURE_EVIDENCE_PLAN : SIMULATION_EVIDENCE_PLAN }
        : {}),
    }),
    review: createReviewHandlers({
      ...ports,
      groups,
      decisions,
      tokens: reviewTokens,
      pages: ports.pageAuthentication(policy),
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
