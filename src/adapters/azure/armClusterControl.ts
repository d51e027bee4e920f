// ClusterControl on Azure Resource Manager. disableLocalAccounts can only change through a full
// PUT of the managed cluster, so a write is: fresh GET → same model with the switch flipped →
// PUT with If-Match of the eTag just read → wait for the long-running operation (the poller
// honours Retry-After; a timeout bounds the wait).
import { upstreamCode, type OutcomeCode } from "../../domain/codes.js";
import {
  ContainerServiceClient,
  isRestError,
  type ManagedCluster as ArmManagedCluster,
} from "@azure/arm-containerservice";
import type { TokenCredential } from "@azure/core-auth";
import type { ManagedCluster } from "../../domain/clusters.js";
import type {
  ClusterControl,
  ClusterReadResult,
  ClusterState,
  ClusterWriteResult,
  RotationResult,
} from "../../ports/clusterControl.js";
import { TransientError } from "../../ports/errors.js";
import { ARM_ACTIONS, ARM_OPERATION_TIMEOUT_MS, type ArmAction } from "../../domain/armActions.js";
import { permissionRefusal, readRefused } from "./armRefusals.js";
import { retryAfterMs, scopeOf } from "./credentials.js";

export interface ArmSettings {
  readonly endpoint: string;
  /** Between polls of a long-running operation when ARM gives no Retry-After. */
  readonly pollIntervalMs?: number;
  /** How long to wait for one long-running operation before calling it a (transient) failure. */
  readonly operationTimeoutMs?: number;
  /** Retries inside the SDK for 429/5xx, before Durable's own. */
  readonly maxRetries?: number;
}

const DEFAULT_POLL_INTERVAL_MS = 10_000;

export class ArmClusterControl implements ClusterControl {
  private readonly clients = new Map<string, ContainerServiceClient>();

  constructor(
    private readonly credential: TokenCredential,
    private readonly settings: ArmSettings,
  ) {}

  async read(cluster: ManagedCluster): Promise<ClusterReadResult> {
    const found = await this.get(cluster);
    return found ? { kind: "found", state: stateOf(found) } : { kind: "not-found" };
  }

  async setLocalAccounts(cluster: ManagedCluster, enabled: boolean, ifMatch: string): Promise<ClusterWriteResult> {
    try {
      const fresh = await this.get(cluster);
      if (!fresh) return { kind: "not-found" };
      if (fresh.eTag !== ifMatch)
        throw new TransientError("ETAG_MISMATCH", `cluster ${cluster.name} changed since it was read`);
      if (stateOf(fresh).localAccounts === (enabled ? "enabled" : "disabled")) return { kind: "unchanged" };
      await this.client(cluster).managedClusters.createOrUpdate(
        cluster.resourceGroup,
        cluster.name,
        { ...fresh, disableLocalAccounts: !enabled },
        { ifMatch, updateIntervalInMs: this.pollInterval, abortSignal: this.operationDeadline() },
      );
      return { kind: "written" };
    } catch (error) {
      return refusalOrThrow(
        error,
        `${enabled ? "enable" : "disable"} local accounts on ${cluster.name}`,
        ARM_ACTIONS.writeCluster,
      );
    }
  }

  async rotateCertificates(cluster: ManagedCluster): Promise<RotationResult> {
    try {
      await this.client(cluster).managedClusters.rotateClusterCertificates(cluster.resourceGroup, cluster.name, {
        updateIntervalInMs: this.pollInterval,
        abortSignal: this.operationDeadline(),
      });
      return { kind: "rotated" };
    } catch (error) {
      return refusalOrThrow(error, `rotate certificates of ${cluster.name}`, ARM_ACTIONS.rotateCertificates);
    }
  }

  private async get(cluster: ManagedCluster): Promise<ArmManagedCluster | undefined> {
    try {
      return await this.client(cluster).managedClusters.get(cluster.resourceGroup, cluster.name);
    } catch (error) {
      const outcome = refusalOrThrow(error, `read ${cluster.name}`, ARM_ACTIONS.readCluster);
      if (outcome.kind === "not-found") return undefined;
      throw readRefused(cluster, outcome);
    }
  }

  private client(cluster: ManagedCluster): ContainerServiceClient {
    let client = this.clients.get(cluster.subscriptionId);
    if (!client) {
      client = new ContainerServiceClient(this.credential, cluster.subscriptionId, {
        endpoint: this.settings.endpoint,
        credentials: { scopes: [scopeOf(this.settings.endpoint)] },
        ...(this.settings.maxRetries === undefined ? {} : { retryOptions: { maxRetries: this.settings.maxRetries } }),
      });
      this.clients.set(cluster.subscriptionId, client);
    }
    return client;
  }

  private get pollInterval(): number {
    return this.settings.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  }

  private operationDeadline(): AbortSignal {
    return AbortSignal.timeout(this.settings.operationTimeoutMs ?? ARM_OPERATION_TIMEOUT_MS);
  }
}

function stateOf(cluster: ArmManagedCluster): ClusterState {
  return {
    localAccounts: cluster.disableLocalAccounts === true ? "disabled" : "enabled",
    provisioningState: cluster.provisioningState ?? "Unknown",
    etag: cluster.eTag ?? "",
    entraIntegration: cluster.aadProfile?.managed === true,
    ...(cluster.powerState?.code ? { powerState: cluster.powerState.code } : {}),
  };
}

/**
 * ARM's answer as a typed outcome (not found; refused for good) or, for what a retry may fix
 * (409 operation in progress, 412 eTag race, 429, 5xx, timeouts, failed operations), a thrown
 * TransientError carrying the server's retry hint.
 */
function refusalOrThrow(
  error: unknown,
  what: string,
  needed: ArmAction,
): { kind: "not-found" } | { kind: "rejected"; code: OutcomeCode; message: string } {
  if (error instanceof TransientError) throw error;
  if (isRestError(error) && error.statusCode !== undefined) {
    const status = error.statusCode;
    const code: OutcomeCode = error.code === undefined ? `HTTP_${status}` : upstreamCode(error.code);
    if (status === 404) return { kind: "not-found" };
    if (status === 400) return { kind: "rejected", code, message: explain(code, error.message) };
    if (status === 401 || status === 403) return permissionRefusal(code, what, error.message, needed);
    const hint = retryAfterMs(error.response?.headers.get("retry-after"));
    throw new TransientError(`ARM_${status}`, `ARM answered ${status} (${code}) to ${what}: ${error.message}`, hint, {
      cause: error,
    });
  }
  const name = error instanceof Error ? error.name : "";
  if (name === "AbortError" || name === "TimeoutError") {
    throw new TransientError("ARM_TIMEOUT", `${what} did not finish in time; it may still complete`, undefined, {
      cause: error,
    });
  }
  // A long-running operation that ended Failed/Canceled, or the network: worth another try.
  throw new TransientError(
    "ARM_OPERATION_FAILED",
    `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
    undefined,
    {
      cause: error,
    },
  );
}

function explain(code: string, message: string): string {
  return /aad|entra|local account/i.test(message)
    ? `${message} — disabling local accounts needs Entra ID integration: az aks update --enable-aad`
    : `ARM refused the request (${code}): ${message}`;
}
