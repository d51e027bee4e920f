// The Azure Activity Log through Azure Monitor: who called listClusterAdminCredential on a cluster,
// and who rotated its certificates.
import { MonitorClient } from "@azure/arm-monitor";
import type { TokenCredential } from "@azure/core-auth";
import type { ManagedCluster } from "../../domain/clusters.js";
import {
  ADMIN_CREDENTIAL_OPERATION,
  CERTIFICATE_ROTATION_OPERATION,
  type ActivityLogReader,
  type AdminCredentialFetch,
} from "../../ports/activityLog.js";
import { TransientError } from "../../ports/errors.js";
import { ARM_ACTIONS } from "../../domain/armActions.js";
import { retryAfterMs, scopeOf } from "./credentials.js";

const MISSING_PERMISSION = ` (the app's identity needs ${ARM_ACTIONS.readActivityLog.action} on the subscription)`;

export class ArmActivityLog implements ActivityLogReader {
  private readonly clients = new Map<string, MonitorClient>();

  constructor(
    private readonly credential: TokenCredential,
    private readonly endpoint: string,
    private readonly maxRetries?: number,
  ) {}

  adminCredentialFetches(cluster: ManagedCluster, from: Date, to: Date): Promise<readonly AdminCredentialFetch[]> {
    return this.succeeded(ADMIN_CREDENTIAL_OPERATION, cluster, from, to);
  }

  certificateRotations(cluster: ManagedCluster, from: Date, to: Date): Promise<readonly AdminCredentialFetch[]> {
    return this.succeeded(CERTIFICATE_ROTATION_OPERATION, cluster, from, to);
  }

  /** Successful calls of one operation on the cluster in [from, to], oldest first. */
  private async succeeded(
    operationName: string,
    cluster: ManagedCluster,
    from: Date,
    to: Date,
  ): Promise<readonly AdminCredentialFetch[]> {
    const filter =
      `eventTimestamp ge '${from.toISOString()}' and eventTimestamp le '${to.toISOString()}' ` +
      `and resourceUri eq '${cluster.id}'`;
    const fetches: AdminCredentialFetch[] = [];
    try {
      for await (const event of this.client(cluster).activityLogs.list(filter, {
        select: "eventTimestamp,operationName,status,caller,resourceId",
      })) {
        const operation = event.operationName?.value ?? "";
        const status = event.status?.value ?? "Succeeded";
        if (operation.toLowerCase() !== operationName.toLowerCase() || status !== "Succeeded") continue;
        fetches.push({ at: (event.eventTimestamp ?? from).toISOString(), caller: event.caller ?? "unknown" });
      }
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      const hint = retryAfterMs(
        (error as { response?: { headers?: { get(name: string): string | undefined } } }).response?.headers?.get(
          "retry-after",
        ),
      );
      throw new TransientError(
        `ACTIVITY_LOG_${status ?? "UNAVAILABLE"}`,
        `the Activity Log could not be read: ${String(error)}${status === 403 ? MISSING_PERMISSION : ""}`,
        hint,
        { cause: error },
      );
    }
    return fetches.sort((a, b) => a.at.localeCompare(b.at));
  }

  private client(cluster: ManagedCluster): MonitorClient {
    let client = this.clients.get(cluster.subscriptionId);
    if (!client) {
      client = new MonitorClient(this.credential, cluster.subscriptionId, {
        endpoint: this.endpoint,
        credentials: { scopes: [scopeOf(this.endpoint)] },
        ...(this.maxRetries === undefined ? {} : { retryOptions: { maxRetries: this.maxRetries } }),
      });
      this.clients.set(cluster.subscriptionId, client);
    }
    return client;
  }
}
