// What the simulation's dev routes need of the simulated world: its directory as an admin edits
// it, its clusters as someone with `az aks` changes them, the Activity Log entries such a person
// leaves, the outbox of sent notifications, and sign-in tokens for its people.
import type { ManagedCluster } from "../domain/clusters.js";
import type { AdminCall } from "../domain/evidence.js";
import type { ChangeAuthor } from "../domain/groups.js";
import type { ClusterControl } from "./clusterControl.js";
import type { Directory, DirectoryGroup, DirectoryUser } from "./directory.js";
import type { Notification } from "./notifier.js";

/** Who changes a group through the simulation when the caller does not say. */
export const SIMULATION_CHANGE_AUTHOR = { kind: "app", displayName: "the simulation's dev API" } as const;

/** The simulated directory as a developer edits it; every membership change is logged with its author. */
export interface SimulatedDirectoryEditor extends Pick<Directory, "getUser" | "listTransitiveUsers"> {
  /** Finds a user by UPN, in any casing. */
  findUserByUpn(upn: string): Promise<DirectoryUser | undefined>;
  /** A group by id or display name, in any casing. */
  findGroup(nameOrId: string): Promise<DirectoryGroup | undefined>;
  addMember(groupId: string, oid: string, author: Omit<ChangeAuthor, "at">, at: Date): Promise<void>;
  removeMember(groupId: string, oid: string, author: Omit<ChangeAuthor, "at">, at: Date): Promise<void>;
}

/** ARM's operations on the cluster, and (`logs`) a query of its kube-audit log. */
export type FaultOperation = "enable" | "disable" | "rotate" | "logs";

export interface Fault {
  readonly operation: FaultOperation;
  /** The HTTP status ARM would answer: 400, 404, 409, 412, 429 or 5xx; Log Analytics (`logs`): 429 or 5xx. */
  readonly status: number;
  /** How many operations in a row fail. */
  readonly count: number;
  /** The Retry-After ARM sends with it (429 and 503 by default 30 seconds). */
  readonly retryAfterSeconds?: number;
}

/** What the simulated ARM knows of a cluster besides its state: who may do what there, and where its logs go. */
export interface SimulatedClusterFacts {
  /** The ARM actions (of ARM_ACTIONS) the app's identity holds on the cluster. */
  readonly appActions: readonly string[];
  /** Whether the emergency group holds Azure Kubernetes Service Cluster Admin Role there. */
  readonly emergencyRoleAssigned: boolean;
  /** Whether the kube-audit diagnostic setting sends to a Log Analytics workspace. */
  readonly kubeAuditEnabled: boolean;
}

/** What this process asked of the simulated ARM and Resource Graph, since it started. */
export interface SimulatedCalls {
  readonly reads: number;
  readonly writes: number;
  readonly rotations: number;
  readonly fleetQueries: number;
}

/** The simulated clusters as someone outside the product changes them. */
export interface SimulatedClusterEditor extends Pick<ClusterControl, "read"> {
  readonly calls: SimulatedCalls;
  /** Flips the switch without going through the product, as someone with `az aks update` could. */
  setLocalAccountsOutOfBand(cluster: ManagedCluster, enabled: boolean): Promise<void>;
  /** Makes the next `count` operations of a kind fail with `status`. */
  injectFault(cluster: ManagedCluster, fault: Fault): Promise<void>;
  /** The cluster's facts; undefined when the simulated world has no such cluster. */
  facts(cluster: ManagedCluster): Promise<SimulatedClusterFacts | undefined>;
  /** The app's identity loses or regains one ARM action there, as a role clean-up would do. */
  setAppPermission(cluster: ManagedCluster, action: string, granted: boolean): Promise<void>;
  /** The emergency group loses or regains Azure Kubernetes Service Cluster Admin Role there. */
  setEmergencyRole(cluster: ManagedCluster, assigned: boolean): Promise<void>;
  /** The kube-audit diagnostic setting is switched on or off. */
  setKubeAudit(cluster: ManagedCluster, enabled: boolean): Promise<void>;
  /** The simulated world's clusters of this short name, in any casing (managed by the product or not). */
  clustersNamed(name: string): Promise<readonly ManagedCluster[]>;
  /** One more cluster, locked, with these tags; false when the world has one of that id. */
  addCluster(cluster: ManagedCluster, tags: Readonly<Record<string, string>>): Promise<boolean>;
  /** When the cluster's certificates were last rotated, which revoked every admin kubeconfig fetched before; undefined if never. */
  lastCertificateRotation(cluster: ManagedCluster): Promise<Date | undefined>;
}

/** The simulated Activity Log, written where `az aks get-credentials --admin` would leave a trace. */
export interface SimulatedActivityRecorder {
  recordAdminCredentialFetch(cluster: ManagedCluster, caller: string, at: Date): Promise<void>;
}

/** The simulated API server's audit log, which every call made with an admin kubeconfig reaches. */
export interface SimulatedKubeAuditRecorder {
  /** Keeps the call as kube-audit would, if the cluster's diagnostic setting sends kube-audit anywhere. */
  record(cluster: ManagedCluster, call: AdminCall): Promise<void>;
}

/** One notification as the simulated Teams channel or a mailbox received it. */
export interface OutboxMessage {
  readonly id: string;
  readonly at: string;
  readonly channel: "teams" | "email";
  readonly recipients: readonly string[];
  readonly kind: string;
  readonly severity: string;
  readonly requestId: string | null;
  readonly subject: string;
  readonly text: string;
  readonly facts: Notification["facts"];
  readonly links: Notification["links"];
}

export interface SimulatedOutbox {
  /** Every message, oldest first; only those about one request when `requestId` is given. */
  list(requestId?: string): Promise<readonly OutboxMessage[]>;
}

/** A token response, shaped like Entra's. */
export interface DevToken {
  readonly access_token: string;
  readonly token_type: "Bearer";
  readonly expires_in: number;
}

/** Sign-in for the simulated directory's people. */
export interface SimulatedSignIn {
  issue(user: Pick<DirectoryUser, "oid" | "upn" | "displayName">, now: Date): Promise<DevToken>;
}
