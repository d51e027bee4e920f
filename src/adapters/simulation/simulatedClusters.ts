// Simulated AKS clusters, kept in Table Storage so every process sees the same world. Each
// cluster is one row; the row's own ETag is the cluster's eTag, so the If-Match semantics of
// ARM come for free. Injected faults make the next N operations fail the way ARM would; the
// actions the app's identity holds there are enforced as ARM enforces them (simulatedAuthorization.ts).
// A rotation leaves its Activity Log event, as in Azure, and its time on the row: admin kubeconfigs
// fetched before it stop working (the dev kubectl route asks).
import { upstreamCode } from "../../domain/codes.js";
import { odata } from "@azure/data-tables";
import { clusterKey, type ManagedCluster } from "../../domain/clusters.js";
import type {
  ClusterControl,
  ClusterReadResult,
  ClusterWriteResult,
  RotationResult,
} from "../../ports/clusterControl.js";
import { TransientError } from "../../ports/errors.js";
import type { Fault, FaultOperation, SimulatedClusterEditor, SimulatedClusterFacts } from "../../ports/simulation.js";
import { ARM_ACTIONS } from "../../domain/armActions.js";
import { readRefused } from "../azure/armClusterControl.js";
import { appPermissionColumn, factsOf, permissionRefusalOf } from "./simulatedAuthorization.js";
import type { SimulatedActivityLog } from "./simulatedActivityLog.js";
import {
  queryAll,
  readEntity,
  storageCall,
  type Entity,
  Table,
  tryStorageCall,
  type TableStorageSettings,
} from "../azure/tables.js";

const CLUSTER_PARTITION = "cluster";
const FAULT_PARTITION = "fault";
/** The caller the simulated Activity Log names for the app's own managed identity (Azure names its principal). */
export const SIMULATED_APP_CALLER = "aks-breakglass-identity";

export class SimulatedClusters implements ClusterControl, SimulatedClusterEditor {
  private readonly table: Table;
  private seeded: Promise<void> | undefined;

  constructor(
    settings: TableStorageSettings,
    private readonly clusters: readonly ManagedCluster[],
    private readonly activityLog: Pick<SimulatedActivityLog, "recordCertificateRotation">,
    private readonly now: () => Date,
  ) {
    this.table = new Table(settings, "SimClusters");
  }

  async read(cluster: ManagedCluster): Promise<ClusterReadResult> {
    const row = await readEntity(await this.client(), CLUSTER_PARTITION, clusterKey(cluster));
    if (!row) return { kind: "not-found" };
    assertReadable(cluster, row);
    return {
      kind: "found",
      state: {
        localAccounts: row.localAccountsEnabled === true ? "enabled" : "disabled",
        provisioningState: String(row.provisioningState),
        etag: row.etag,
        entraIntegration: row.entraIntegration !== false,
        powerState: typeof row.powerState === "string" ? row.powerState : "Running",
      },
    };
  }

  async setLocalAccounts(cluster: ManagedCluster, enabled: boolean, ifMatch: string): Promise<ClusterWriteResult> {
    const client = await this.client();
    const fault = await this.takeFault(cluster, enabled ? "enable" : "disable");
    if (fault !== undefined) return faultResult(fault);
    const row = await readEntity(client, CLUSTER_PARTITION, clusterKey(cluster));
    if (row) {
      // The ARM adapter reads the cluster before it writes, so a missing read fails first, as there.
      assertReadable(cluster, row);
      const refusal = permissionRefusalOf(
        cluster,
        row,
        `${enabled ? "enable" : "disable"} local accounts on ${cluster.name}`,
        ARM_ACTIONS.writeCluster,
      );
      if (refusal) return refusal;
    }
    if (row && !enabled && row.entraIntegration === false) {
      return {
        kind: "rejected",
        code: upstreamCode("BadRequest"),
        message: "local accounts cannot be disabled while Entra ID integration (AKS-managed AAD) is off",
      };
    }
    const written = await tryStorageCall(`set local accounts on ${cluster.name}`, () =>
      client.updateEntity(
        {
          partitionKey: CLUSTER_PARTITION,
          rowKey: clusterKey(cluster),
          localAccountsEnabled: enabled,
          provisioningState: "Succeeded",
          localAccountWrites: Number(row?.localAccountWrites ?? 0) + 1,
        },
        "Merge",
        { etag: ifMatch },
      ),
    );
    if (written.ok) return { kind: "written" };
    if (written.status === 404) return { kind: "not-found" };
    throw new TransientError(
      "ETAG_MISMATCH",
      `cluster ${cluster.name} changed since it was read (412 Precondition Failed)`,
    );
  }

  async rotateCertificates(cluster: ManagedCluster): Promise<RotationResult> {
    const client = await this.client();
    const fault = await this.takeFault(cluster, "rotate");
    if (fault !== undefined) return faultResult(fault);
    const row = await readEntity(client, CLUSTER_PARTITION, clusterKey(cluster));
    if (!row) return { kind: "not-found" };
    const refusal = permissionRefusalOf(
      cluster,
      row,
      `rotate certificates of ${cluster.name}`,
      ARM_ACTIONS.rotateCertificates,
    );
    if (refusal) return refusal;
    const at = this.now();
    await storageCall("rotate certificates", () =>
      client.updateEntity(
        {
          partitionKey: CLUSTER_PARTITION,
          rowKey: clusterKey(cluster),
          certificateRotations: Number(row.certificateRotations ?? 0) + 1,
          lastRotatedAt: at.toISOString(),
        },
        "Merge",
      ),
    );
    await this.activityLog.recordCertificateRotation(cluster, SIMULATED_APP_CALLER, at);
    return { kind: "rotated" };
  }

  /** How many writes of the local-accounts switch reached the cluster (to prove writes are not repeated). */
  async localAccountWrites(cluster: ManagedCluster): Promise<number> {
    const row = await readEntity(await this.client(), CLUSTER_PARTITION, clusterKey(cluster));
    return Number(row?.localAccountWrites ?? 0);
  }

  /** How many times the cluster's certificates were rotated (the simulation's evidence of it). */
  async certificateRotations(cluster: ManagedCluster): Promise<number> {
    const row = await readEntity(await this.client(), CLUSTER_PARTITION, clusterKey(cluster));
    return Number(row?.certificateRotations ?? 0);
  }

  async lastCertificateRotation(cluster: ManagedCluster): Promise<Date | undefined> {
    const row = await readEntity(await this.client(), CLUSTER_PARTITION, clusterKey(cluster));
    return typeof row?.lastRotatedAt === "string" ? new Date(row.lastRotatedAt) : undefined;
  }

  /** Makes the next `count` operations of a kind fail with `status` (docs/design.md §6 fault injection). */
  async injectFault(cluster: ManagedCluster, fault: Fault): Promise<void> {
    const client = await this.client();
    await storageCall("inject fault", () =>
      client.upsertEntity(
        {
          partitionKey: FAULT_PARTITION,
          rowKey: `${clusterKey(cluster)}|${fault.operation}`,
          status: fault.status,
          remaining: fault.count,
          retryAfterSeconds: fault.retryAfterSeconds ?? ([429, 503].includes(fault.status) ? 30 : -1),
        },
        "Replace",
      ),
    );
  }

  /** Flips the switch without going through the product, as someone with `az aks update` could. */
  async setLocalAccountsOutOfBand(cluster: ManagedCluster, enabled: boolean): Promise<void> {
    await this.mergeColumns(cluster, "out-of-band change", { localAccountsEnabled: enabled });
  }

  async facts(cluster: ManagedCluster): Promise<SimulatedClusterFacts | undefined> {
    const row = await readEntity(await this.client(), CLUSTER_PARTITION, clusterKey(cluster));
    return row && factsOf(row);
  }

  async setAppPermission(cluster: ManagedCluster, action: string, granted: boolean): Promise<void> {
    const client = await this.client();
    for (;;) {
      const row = await readEntity(client, CLUSTER_PARTITION, clusterKey(cluster));
      if (!row) return;
      const entity = { partitionKey: CLUSTER_PARTITION, rowKey: clusterKey(cluster) };
      const written = await tryStorageCall("change the app's permissions", () =>
        client.updateEntity({ ...entity, ...appPermissionColumn(row, action, granted) }, "Merge", { etag: row.etag }),
      );
      if (written.ok) return;
    }
  }

  async setEmergencyRole(cluster: ManagedCluster, assigned: boolean): Promise<void> {
    await this.mergeColumns(cluster, "change the emergency group's role", { emergencyRoleAssigned: assigned });
  }

  async setKubeAudit(cluster: ManagedCluster, enabled: boolean): Promise<void> {
    await this.mergeColumns(cluster, "change the kube-audit diagnostic setting", { kubeAuditEnabled: enabled });
  }

  private async mergeColumns(cluster: ManagedCluster, what: string, columns: Record<string, unknown>): Promise<void> {
    const client = await this.client();
    await storageCall(what, () =>
      client.updateEntity({ partitionKey: CLUSTER_PARTITION, rowKey: clusterKey(cluster), ...columns }, "Merge"),
    );
  }

  private client() {
    this.seeded ??= this.seed().catch((error: unknown) => {
      this.seeded = undefined;
      throw error;
    });
    return this.seeded.then(() => this.table.client());
  }

  /** Adds the configured clusters that are not there yet (locked); never touches existing state. */
  private async seed(): Promise<void> {
    const client = await this.table.client();
    const existing = new Set(
      (await queryAll(client, odata`PartitionKey eq ${CLUSTER_PARTITION}`, "list simulated clusters")).map(
        (row) => row.rowKey,
      ),
    );
    for (const cluster of this.clusters) {
      if (existing.has(clusterKey(cluster))) continue;
      await tryStorageCall(`seed ${cluster.name}`, () =>
        client.createEntity({
          partitionKey: CLUSTER_PARTITION,
          rowKey: clusterKey(cluster),
          id: cluster.id,
          name: cluster.name,
          localAccountsEnabled: false,
          provisioningState: "Succeeded",
          entraIntegration: true,
          certificateRotations: 0,
          powerState: "Running",
        }),
      );
    }
  }

  /** Consumes one injected fault for the operation, if any is left (the simulated kube-audit log takes "logs" faults). */
  async takeFault(
    cluster: ManagedCluster,
    operation: FaultOperation,
  ): Promise<{ status: number; retryAfterMs?: number } | undefined> {
    const client = await this.table.client();
    const rowKey = `${clusterKey(cluster)}|${operation}`;
    for (;;) {
      const fault = await readEntity(client, FAULT_PARTITION, rowKey);
      if (!fault || Number(fault.remaining) <= 0) return undefined;
      const taken = await tryStorageCall("consume fault", () =>
        client.updateEntity(
          { partitionKey: FAULT_PARTITION, rowKey, remaining: Number(fault.remaining) - 1 },
          "Merge",
          {
            etag: fault.etag,
          },
        ),
      );
      const retryAfterSeconds = Number(fault.retryAfterSeconds ?? -1);
      if (taken.ok)
        return {
          status: Number(fault.status),
          ...(retryAfterSeconds >= 0 ? { retryAfterMs: retryAfterSeconds * 1000 } : {}),
        };
    }
  }
}

/** ARM's 403 to a read, thrown as the ARM adapter throws it. */
function assertReadable(cluster: ManagedCluster, row: Entity): void {
  const refusal = permissionRefusalOf(cluster, row, `read ${cluster.name}`, ARM_ACTIONS.readCluster);
  if (refusal) throw readRefused(cluster, refusal);
}

/** What ARM's answer with this status means for the caller: a typed refusal, or a thrown transient error. */
function faultResult({
  status,
  retryAfterMs,
}: {
  status: number;
  retryAfterMs?: number;
}): Extract<ClusterWriteResult, { kind: "not-found" | "rejected" }> {
  if (status === 404) return { kind: "not-found" };
  if (status === 400) {
    return {
      kind: "rejected",
      code: upstreamCode("BadRequest"),
      message: "simulated fault: ARM rejected the request (400 Bad Request)",
    };
  }
  throw new TransientError(`ARM_${status}`, `simulated fault: ARM answered ${status}`, retryAfterMs);
}
