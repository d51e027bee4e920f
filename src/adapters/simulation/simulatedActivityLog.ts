// The simulated Azure Activity Log, holding the two operations the product cares about: who
// fetched admin credentials (listClusterAdminCredential) for which cluster and when, and who
// rotated its certificates.
import { randomBytes } from "node:crypto";
import { odata } from "@azure/data-tables";
import { clusterKey, type ManagedCluster } from "../../domain/clusters.js";
import {
  ADMIN_CREDENTIAL_OPERATION,
  CERTIFICATE_ROTATION_OPERATION,
  type ActivityLogReader,
} from "../../ports/activityLog.js";
import type { SimulatedActivityRecorder } from "../../ports/simulation.js";
import { queryAll, storageCall, Table, type TableStorageSettings } from "../azure/tables.js";

export interface ActivityLogEvent {
  readonly operation: string;
  readonly cluster: string;
  readonly at: string;
  readonly caller: string;
}

export class SimulatedActivityLog implements ActivityLogReader, SimulatedActivityRecorder {
  private readonly table: Table;

  constructor(settings: TableStorageSettings) {
    this.table = new Table(settings, "SimActivityLog");
  }

  recordAdminCredentialFetch(cluster: ManagedCluster, caller: string, at: Date): Promise<void> {
    return this.record(ADMIN_CREDENTIAL_OPERATION, cluster, caller, at);
  }

  recordCertificateRotation(cluster: ManagedCluster, caller: string, at: Date): Promise<void> {
    return this.record(CERTIFICATE_ROTATION_OPERATION, cluster, caller, at);
  }

  private async record(operation: string, cluster: ManagedCluster, caller: string, at: Date): Promise<void> {
    const client = await this.table.client();
    await storageCall("record activity", () =>
      client.createEntity({
        partitionKey: clusterKey(cluster),
        rowKey: `${at.toISOString()}|${randomBytes(4).toString("hex")}`,
        operation,
        cluster: cluster.id,
        at: at.toISOString(),
        caller,
      }),
    );
  }

  /** Admin-credential fetches for a cluster in [from, to], oldest first. */
  adminCredentialFetches(cluster: ManagedCluster, from: Date, to: Date): Promise<readonly ActivityLogEvent[]> {
    return this.events(ADMIN_CREDENTIAL_OPERATION, cluster, from, to);
  }

  /** Certificate rotations of a cluster in [from, to], oldest first. */
  certificateRotations(cluster: ManagedCluster, from: Date, to: Date): Promise<readonly ActivityLogEvent[]> {
    return this.events(CERTIFICATE_ROTATION_OPERATION, cluster, from, to);
  }

  private async events(operation: string, cluster: ManagedCluster, from: Date, to: Date): Promise<ActivityLogEvent[]> {
    const rows = await queryAll(
      await this.table.client(),
      // Row keys are "<time>|<random>": "<to>~" sorts after every key of that same millisecond.
      odata`PartitionKey eq ${clusterKey(cluster)} and RowKey ge ${from.toISOString()} and RowKey lt ${`${to.toISOString()}~`}`,
      "read activity log",
    );
    return rows
      .filter((row) => String(row.operation) === operation)
      .map((row) => ({
        operation: String(row.operation),
        cluster: String(row.cluster),
        at: String(row.at),
        caller: String(row.caller),
      }));
  }
}
