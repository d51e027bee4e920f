// The types the composition hands along: what each mode provides (ModePorts), what both keep in
// storage (StoragePorts), the clock, and the parts every feature is built with.
import type { InvocationContext } from "@azure/functions";
import type { JWTVerifyGetKey } from "jose";
import type { GroupIds } from "../access/membership.js";
import type { ActionDelivery } from "../actions/delivery.js";
import type { ManagedClusters } from "../fleet/managedClusters.js";
import type { GroupWatchState } from "../groupWatch/state.js";
import type { HealthCheck } from "../health/monitor.js";
import type { TokenPolicy } from "../http/authentication.js";
import type { PageAuthentication } from "../http/pageAuthentication.js";
import type { ReviewTokens } from "../http/reviewTokens.js";
import type { ActionLedger } from "../ports/actionLedger.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { CredentialWatchStore } from "../ports/credentialWatch.js";
import type { Directory } from "../ports/directory.js";
import type { DirectoryAudit } from "../ports/directoryAudit.js";
import type { FleetInventory } from "../ports/fleet.js";
import type { GraphSubscriptions } from "../ports/graphSubscriptions.js";
import type { GroupChanges } from "../ports/groupChanges.js";
import type { IdempotencyStore } from "../ports/idempotencyStore.js";
import type { KubeAuditLog } from "../ports/kubeAuditLog.js";
import type { Notifier } from "../ports/notifier.js";
import type { ClusterAuthorization, TenantPolicies } from "../ports/readinessFacts.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { StateStore } from "../ports/stateStore.js";
import type { WatchdogMemory } from "../ports/watchdogMemory.js";
import type { WindowRegistry } from "../ports/windowRegistry.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import type { AppIdentity } from "../readiness/clusterChecks.js";
import type { ReadinessMonitor } from "../readiness/monitor.js";
import type { ReadinessVerdicts } from "../readiness/watch.js";
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
  /** Every managed cluster in one query: Resource Graph, or the simulated world. */
  readonly fleetInventory: FleetInventory;
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

export type Ports = ModePorts & StoragePorts;

/** What every part is built with: the ports, the settings, the clock, the two groups, the review links. */
export interface Parts {
  readonly config: Config;
  readonly ports: Ports;
  readonly clock: Clock;
  readonly groups: GroupIds;
  readonly reviewTokens: ReviewTokens;
  readonly randomBytes: (size: number) => Uint8Array;
  readonly log: (message: string) => void;
  readonly delivery: ActionDelivery;
  readonly readiness: ReadinessMonitor;
  readonly fleet: ManagedClusters;
}
