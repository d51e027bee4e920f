// Simulated AKS clusters, kept in Table Storage so every process sees the same world. Each
// cluster is one row; the row's own ETag is the cluster's eTag, so the If-Match semantics of
// ARM come for free. Injected faults make the next N operations fail the way ARM would; the
// actions the app's identity holds there are enforced as ARM enforces them (simulatedAuthorization.ts).
// A rotation leaves its Activity Log event, as in Azure, and its time on the row: admin kubeconfigs
// fetched before it stop working (the dev kubectl route asks).
import { upstreamCode } from "../../domain/codes.js";
import { clusterKey, parseManagedClusterId, type ManagedCluster } from "../../domain/clusters.js";
import type {
  ClusterControl,
  ClusterReadResult,
  ClusterWriteResult,
  RotationResult,
} from "../../ports/clusterControl.js";
import { TransientError } from "../../ports/errors.js";
import type { FleetInventory, FleetObservation, FleetQuery } from "../../ports/fleet.js";
import type { Fault, FaultOperation, SimulatedClusterEditor, SimulatedClusterFacts } from "../../ports/simulation.js";
import { ARM_ACTIONS } from "../../domain/armActions.js";
import { readRefused } from "../azure/armRefusals.js";
import { appPermissionColumn, factsOf, permissionRefusalOf } from "./simulatedAuthorization.js";
import { observationsOf, type FleetRow } from "../azure/resourceGraphRows.js";
import {
  CLUSTER_PARTITION,
  clusterRows,
  localAccountsColumns,
  newClusterRow,
  resourceGraphRowOf,
  seedClusters,
} from "./simulatedClusterRows.js";
import { FAULT_PARTITION, faultResult, takeFault, type TakenFault } from "./simulatedFaults.js";
import type { SimulatedActivityLog } from "./simulatedActivityLog.js";
import {
  readEntity,
  storageCall,
  type Entity,
  Table,
  tryStorageCall,
  type TableStorageSettings,
} from "../azure/tables.js";

/** The caller the simulated Activity Log names for the app's own managed identity (Azure names its principal). */
export const SIMULATED_APP_CALLER = "aks-breakglass-identity";

/** How far the simulated Resource Graph lags the simulated ARM: the seconds the real one often takes (docs/design.md §12.1). */
export const SIMULATED_RESOURCE_GRAPH_LAG_MS = 5_000;

export class SimulatedClusters implements ClusterControl, FleetInventory, SimulatedClusterEditor {
  private readonly table: Table;
  private seeded: Promise<void> | undefined;
  /** What this process asked of the simulated ARM and Resource Graph (fleet tests and the benchmark count them). */
  readonly calls = { reads: 0, writes: 0, rotations: 0, fleetQueries: 0 };

  constructor(
    settings: TableStorageSettings,
    private readonly clusters: readonly ManagedCluster[],
    private readonly activityLog: Pick<SimulatedActivityLog, "recordCertificateRotation">,
    private readonly now: () => Date,
    private readonly resourceGraphLagMs = SIMULATED_RESOURCE_GRAPH_LAG_MS,
  ) {
    this.table = new Table(settings, "SimClusters");
  }

  async read(cluster: ManagedCluster): Promise<ClusterReadResult> {
    this.calls.reads++;
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
    this.calls.writes++;
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
          ...localAccountsColumns(row, enabled, this.now()),
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
    this.calls.rotations++;
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

  /**
   * Resource Graph's answer to the fleet query: every cluster the app's identity may read, as it
   * was resourceGraphLagMs ago, read through the same client-side filter as the real one's rows.
   */
  async observe(query: FleetQuery): Promise<FleetObservation> {
    this.calls.fleetQueries++;
    const rows = await clusterRows(await this.client(), "query the fleet");
    const now = this.now();
    const seen = rows.flatMap<FleetRow>((row) => resourceGraphRowOf(row, now, this.resourceGraphLagMs) ?? []);
    return { kind: "observed", clusters: observationsOf(seen, query) };
  }

  async clustersNamed(name: string): Promise<readonly ManagedCluster[]> {
    const rows = await clusterRows(await this.client(), "list simulated clusters");
    return rows
      .filter((row) => String(row.name).toLowerCase() === name.toLowerCase())
      .flatMap((row) => parseManagedClusterId(String(row.id)) ?? []);
  }

  /** One more simulated cluster (POST /api/dev/clusters), locked; false when one of that id exists. */
  async addCluster(cluster: ManagedCluster, tags: Readonly<Record<string, string>>): Promise<boolean> {
    const client = await this.client();
    const created = await tryStorageCall(`add ${cluster.name}`, () =>
      client.createEntity({ ...newClusterRow(cluster, this.now()), tags: JSON.stringify(tags) }),
    );
    return created.ok;
  }

  /** Replaces the cluster's tags, as `az resource tag` would (tests of clusters found by tag). */
  async setTags(cluster: ManagedCluster, tags: Readonly<Record<string, string>>): Promise<void> {
    await this.mergeColumns(cluster, "tag the cluster", { tags: JSON.stringify(tags) });
  }

  /** How many writes of the local-accounts switch reached the cluster (to prove writes are not repeated). */
  async localAccountWrites(cluster: ManagedCluster): Promise<number> {
    return Number((await this.rowOf(cluster))?.localAccountWrites ?? 0);
  }

  /** How many times the cluster's certificates were rotated (the simulation's evidence of it). */
  async certificateRotations(cluster: ManagedCluster): Promise<number> {
    return Number((await this.rowOf(cluster))?.certificateRotations ?? 0);
  }

  async lastCertificateRotation(cluster: ManagedCluster): Promise<Date | undefined> {
    const row = await this.rowOf(cluster);
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
    const row = await this.rowOf(cluster);
    await this.mergeColumns(cluster, "out-of-band change", localAccountsColumns(row, enabled, this.now()));
  }

  async facts(cluster: ManagedCluster): Promise<SimulatedClusterFacts | undefined> {
    const row = await this.rowOf(cluster);
    return row && factsOf(row);
  }

  private async rowOf(cluster: ManagedCluster): Promise<Entity | undefined> {
    return readEntity(await this.client(), CLUSTER_PARTITION, clusterKey(cluster));
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
    this.seeded ??= this.table
      .client()
      .then((client) => seedClusters(client, this.clusters))
      .catch((error: unknown) => {
        this.seeded = undefined;
        throw error;
      });
    return this.seeded.then(() => this.table.client());
  }

  /** Consumes one injected fault for the operation, if any is left (the simulated kube-audit log takes "logs" faults). */
  async takeFault(cluster: ManagedCluster, operation: FaultOperation): Promise<TakenFault | undefined> {
    return takeFault(await this.table.client(), `${clusterKey(cluster)}|${operation}`);
  }
}

/** ARM's 403 to a read, thrown as the ARM adapter throws it. */
function assertReadable(cluster: ManagedCluster, row: Entity): void {
  const refusal = permissionRefusalOf(cluster, row, `read ${cluster.name}`, ARM_ACTIONS.readCluster);
  if (refusal) throw readRefused(cluster, refusal);
}
