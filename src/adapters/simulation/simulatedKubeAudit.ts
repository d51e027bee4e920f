// The simulated API server's kube-audit log (docs/design.md §6), with the real log's inconvenient
// parts, so that the product's collection meets them in simulation too:
// - a row reaches the log SIMULATED_INGESTION_DELAY_MS after the call, as Log Analytics ingests
//   kube-audit minutes late;
// - a call made while the cluster's kube-audit diagnostic setting is off is never recorded (rows
//   recorded before stay, as a workspace keeps what it ingested);
// - the query runs in the cluster's resource context, where Log Analytics silently leaves out the
//   tables the caller may not read: AKSAudit holds every call, AKSAuditAdmin (category
//   kube-audit-admin) every call but get and list, and the simulated setting sends to the
//   resource-specific tables only, so AzureDiagnostics holds none. Reading no table is an empty answer;
// - an injected `logs` fault (POST /api/dev/clusters/{name}/faults) makes the next queries fail as a
//   throttled (429) or failing (5xx) service does.
import { odata } from "@azure/data-tables";
import { ARM_ACTIONS } from "../../domain/armActions.js";
import { clusterKey, type ManagedCluster } from "../../domain/clusters.js";
import { SIMULATED_INGESTION_DELAY_MS, type AdminCall } from "../../domain/evidence.js";
import { TransientError } from "../../ports/errors.js";
import { ADMIN_CALL_ROW_LIMIT, type AdminCallsAnswer, type KubeAuditLog } from "../../ports/kubeAuditLog.js";
import type { SimulatedKubeAuditRecorder } from "../../ports/simulation.js";
import { queryAll, storageCall, Table, type Entity, type TableStorageSettings } from "../azure/tables.js";
import type { SimulatedFactsSource } from "./simulatedAuthorization.js";
import type { SimulatedClusters } from "./simulatedClusters.js";

/** The verbs the kube-audit-admin category, and so the AKSAuditAdmin table, leaves out. */
const NOT_IN_AUDIT_ADMIN: ReadonlySet<string> = new Set(["get", "list"]);

export class SimulatedKubeAudit implements KubeAuditLog, SimulatedKubeAuditRecorder {
  private readonly table: Table;

  constructor(
    settings: TableStorageSettings,
    private readonly now: () => Date,
    /** The clusters' diagnostic setting, the app's permissions on them, and the injected faults. */
    private readonly world: SimulatedFactsSource & Pick<SimulatedClusters, "takeFault">,
    private readonly rowLimit = ADMIN_CALL_ROW_LIMIT,
  ) {
    this.table = new Table(settings, "SimKubeAudit");
  }

  async record(cluster: ManagedCluster, call: AdminCall): Promise<void> {
    if ((await this.world.facts(cluster))?.kubeAuditEnabled !== true) return;
    const client = await this.table.client();
    const { id, ...columns } = call;
    await storageCall("record a kube-audit row", () =>
      // Row keys sort by time, then AuditId: a range of keys is a time range, oldest first.
      client.createEntity({ partitionKey: clusterKey(cluster), rowKey: `${call.at}|${id}`, auditId: id, ...columns }),
    );
  }

  async adminCalls(cluster: ManagedCluster, from: Date, to: Date): Promise<AdminCallsAnswer> {
    const fault = await this.world.takeFault(cluster, "logs");
    if (fault) throw queryFailure(fault);
    const actions = (await this.world.facts(cluster))?.appActions ?? [];
    const everyVerb = actions.includes(ARM_ACTIONS.readKubeAudit.action);
    if (!everyVerb && !actions.includes(ARM_ACTIONS.readKubeAuditAdmin.action)) return answer([], this.rowLimit);
    // A row is ingested once its call is SIMULATED_INGESTION_DELAY_MS old: later calls are not in the log yet.
    const ingested = new Date(this.now().getTime() - SIMULATED_INGESTION_DELAY_MS);
    const until = ingested < to ? ingested : to;
    if (until < from) return answer([], this.rowLimit);
    const rows = await queryAll(
      await this.table.client(),
      // "<until>~" sorts after every key of that same millisecond.
      odata`PartitionKey eq ${clusterKey(cluster)} and RowKey ge ${from.toISOString()} and RowKey lt ${`${until.toISOString()}~`}`,
      "read the simulated kube-audit log",
    );
    const calls = rows.map(callOf).filter((call) => everyVerb || !NOT_IN_AUDIT_ADMIN.has(call.verb));
    return answer(calls, this.rowLimit);
  }
}

/** What Log Analytics' 429 or 5xx means for the caller: a later query may answer. */
function queryFailure({ status, retryAfterMs }: { status: number; retryAfterMs?: number }): TransientError {
  return status === 429
    ? new TransientError(
        "LOGS_THROTTLED",
        "simulated fault: Log Analytics answered 429 Too Many Requests",
        retryAfterMs,
      )
    : new TransientError("LOGS_UNAVAILABLE", `simulated fault: Log Analytics answered ${status}`, retryAfterMs);
}

function answer(calls: readonly AdminCall[], limit: number): AdminCallsAnswer {
  return { kind: "found", calls: calls.slice(0, limit), truncated: calls.length > limit };
}

function callOf(row: Entity): AdminCall {
  return {
    id: String(row.auditId),
    at: String(row.at),
    verb: String(row.verb),
    resource: String(row.resource),
    namespace: String(row.namespace),
    name: String(row.name),
    user: String(row.user),
    sourceIp: String(row.sourceIp),
    status: Number(row.status),
  };
}
