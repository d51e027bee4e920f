// A fake Azure Resource Manager for managed clusters, speaking the wire protocol the SDK uses:
// GET/PUT of the managed cluster with eTags (If-Match → 412 on mismatch), PUT as a long-running
// operation tracked by Azure-AsyncOperation (InProgress → Succeeded or Failed), certificate
// rotation (202 + polling), the Activity Log's management events with paging, and what readiness
// reads (permissions, role assignments, diagnostic settings: see fakeArmReadiness.ts). What the
// app's identity does on a cluster is refused (403 AuthorizationFailed) unless its grants there
// allow it, as ARM decides: what readiness predicts is what an open meets.
import { randomUUID } from "node:crypto";
import { ARM_ACTIONS } from "../../../src/domain/armActions.js";
import { isPermitted } from "../../../src/domain/permissions.js";
import {
  customRoleGrants,
  EXTENSION_PATH,
  kubeAuditSetting,
  readinessAnswer,
  type FakeDiagnosticSetting,
  type FakePermission,
  type FakeRoleAssignment,
} from "./fakeArmReadiness.js";
import { FakeResourceGraph, RESOURCE_GRAPH_PATH } from "./fakeResourceGraph.js";
import { HttpsFake, isBearerFor, type FakeRequest, type FakeResponse } from "./https.js";

export interface FakeCluster {
  id: string;
  localAccountsEnabled: boolean;
  entraIntegration: boolean;
  provisioningState: string;
  etagVersion: number;
  rotations: number;
  powerState: "Running" | "Stopped";
  /** The app's identity's grants on the cluster (its permissions there, inherited ones included). */
  appGrants: FakePermission[];
  diagnosticSettings: FakeDiagnosticSetting[];
  /** Its tags (BREAKGLASS_CLUSTER_TAG finds it by them through Resource Graph). */
  tags?: Record<string, string>;
  /** What Resource Graph shows when it lags ARM (fakeResourceGraph.ts); undefined: in step with ARM. */
  resourceGraph?: { localAccountsEnabled?: boolean; hidden?: boolean };
}

interface Operation {
  pollsLeft: number;
  outcome: "Succeeded" | "Failed";
  finish: () => void;
  finished: boolean;
}

export interface FakeActivityEvent {
  readonly resourceId: string;
  readonly operation: string;
  readonly status: string;
  readonly at: string;
  readonly caller: string;
}

const CLUSTER_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)(\/rotateClusterCertificates)?$/i;
const OPERATION_PATH =
  /^\/subscriptions\/[^/]+\/providers\/Microsoft\.ContainerService\/locations\/westeurope\/(operations|operationresults)\/([^/]+)$/;
const ACTIVITY_PATH = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Insights\/eventtypes\/management\/values$/i;

export class FakeArm extends HttpsFake {
  readonly clusters = new Map<string, FakeCluster>();
  readonly operations = new Map<string, Operation>();
  readonly activity: FakeActivityEvent[] = [];
  /** Every role assignment ARM knows, at any scope. */
  readonly roleAssignments: FakeRoleAssignment[] = [];
  /** How many polls each long-running operation answers InProgress before it ends. */
  pollsPerOperation = 2;
  /** How the next long-running operations end. */
  nextOutcome: "Succeeded" | "Failed" = "Succeeded";
  /** Retry-After (seconds) sent with InProgress polls; none by default, so tests stay fast. */
  pollRetryAfter: number | undefined;
  /** Activity Log page size (to exercise nextLink paging). */
  activityPageSize = 2;
  /** Resource Graph over these clusters (its API: fakeResourceGraph.ts). */
  readonly resourceGraph = new FakeResourceGraph(() => this.clusters.values());

  constructor() {
    super((request) => this.route(request));
  }

  addCluster(id: string, options: Partial<Omit<FakeCluster, "id">> = {}): FakeCluster {
    const cluster: FakeCluster = {
      id,
      localAccountsEnabled: false,
      entraIntegration: true,
      provisioningState: "Succeeded",
      etagVersion: 1,
      rotations: 0,
      powerState: "Running",
      appGrants: customRoleGrants(),
      diagnosticSettings: [kubeAuditSetting(CLUSTER_PATH.exec(id)![1]!)],
      ...options,
    };
    this.clusters.set(id.toLowerCase(), cluster);
    return cluster;
  }

  cluster(id: string): FakeCluster {
    const cluster = this.clusters.get(id.toLowerCase());
    if (!cluster) throw new Error(`fake ARM has no cluster ${id}`);
    return cluster;
  }

  /** The app's identity loses `action` on the cluster, from every grant that held it. */
  revokeAction(id: string, action: string): void {
    for (const grant of this.cluster(id).appGrants)
      grant.actions = grant.actions.filter((held) => held.toLowerCase() !== action.toLowerCase());
  }

  assignRole(scope: string, principalId: string, roleDefinition: string): void {
    this.roleAssignments.push({ scope, principalId, roleDefinition, principalType: "Group" });
  }

  /** Removes every assignment of the role to the principal, at any scope. */
  unassignRole(principalId: string, roleDefinition: string): void {
    const kept = this.roleAssignments.filter(
      (assignment) =>
        assignment.principalId.toLowerCase() !== principalId.toLowerCase() ||
        assignment.roleDefinition !== roleDefinition,
    );
    this.roleAssignments.splice(0, this.roleAssignments.length, ...kept);
  }

  /** Switches the kube-audit categories of the cluster's diagnostic settings on or off. */
  setKubeAudit(id: string, enabled: boolean): void {
    for (const setting of this.cluster(id).diagnosticSettings)
      for (const log of setting.logs) if (log.category?.startsWith("kube-audit")) log.enabled = enabled;
  }

  etagOf(cluster: FakeCluster): string {
    return `"${cluster.etagVersion}"`;
  }

  private route(request: FakeRequest): FakeResponse {
    if (!isBearerFor(this, request.headers.authorization))
      return error(401, "InvalidAuthenticationToken", "missing or wrong token");
    if (!request.query.get("api-version")) return error(400, "MissingApiVersionParameter", "api-version is required");
    if (RESOURCE_GRAPH_PATH.test(request.path) && request.method === "POST") return this.resourceGraph.answer(request);
    const operation = OPERATION_PATH.exec(request.path);
    if (operation && request.method === "GET")
      return operation[1] === "operations" ? this.poll(operation[2]!) : this.result(operation[2]!);
    const activity = ACTIVITY_PATH.exec(request.path);
    if (activity && request.method === "GET") return this.listActivity(request);
    const extension = EXTENSION_PATH.exec(request.path);
    if (extension) return this.readinessRead(request, extension[1]!, extension[2]!);
    const match = CLUSTER_PATH.exec(request.path);
    if (!match) return error(404, "InvalidResourceType", `no route for ${request.method} ${request.path}`);
    const id = request.path.replace(/\/rotateClusterCertificates$/, "");
    const cluster = this.clusters.get(id.toLowerCase());
    if (!cluster) return error(404, "ResourceNotFound", `The Resource '${id}' was not found.`);
    const needed = match[4]
      ? ARM_ACTIONS.rotateCertificates.action
      : request.method === "GET"
        ? ARM_ACTIONS.readCluster.action
        : ARM_ACTIONS.writeCluster.action;
    if (!isPermitted(needed, cluster.appGrants)) return refused(needed, id);
    if (match[4] && request.method === "POST") return this.rotate(cluster);
    if (request.method === "GET")
      return { status: 200, headers: { ETag: this.etagOf(cluster) }, body: this.model(cluster) };
    if (request.method === "PUT") return this.put(cluster, request);
    return error(405, "MethodNotAllowed", request.method);
  }

  private readinessRead(request: FakeRequest, resource: string, extension: string): FakeResponse {
    const cluster = this.clusters.get(resource.toLowerCase());
    const onCluster = !/roleAssignments$/i.test(extension);
    if (onCluster && !cluster) return error(404, "ResourceNotFound", `The Resource '${resource}' was not found.`);
    // Reads at a cluster are decided by the app's grants there; elsewhere (another scope's role assignments) allowed.
    if (cluster && !isPermitted(`${extension}/read`, cluster.appGrants)) return refused(`${extension}/read`, resource);
    return readinessAnswer(request, extension, resource, {
      grants: cluster?.appGrants ?? [],
      diagnosticSettings: cluster?.diagnosticSettings ?? [],
      roleAssignments: this.roleAssignments,
    });
  }

  private put(cluster: FakeCluster, request: FakeRequest): FakeResponse {
    if (request.headers["if-match"] !== this.etagOf(cluster)) {
      return error(
        412,
        "PreconditionFailed",
        `If-Match ${request.headers["if-match"]} does not match ${this.etagOf(cluster)}`,
      );
    }
    if (cluster.provisioningState !== "Succeeded" && cluster.provisioningState !== "Failed") {
      return error(
        409,
        "OperationNotAllowed",
        "Operation is not allowed because there's an in progress update managed cluster operation",
      );
    }
    const body = request.body as {
      location?: string;
      properties?: { disableLocalAccounts?: boolean; dnsPrefix?: string };
    };
    if (!body.location || !body.properties?.dnsPrefix)
      return error(400, "InvalidParameter", "the PUT must carry the whole managed cluster");
    const disable = body.properties.disableLocalAccounts === true;
    if (disable && !cluster.entraIntegration) {
      return error(400, "BadRequest", "Local accounts cannot be disabled when AAD integration is not enabled.");
    }
    cluster.provisioningState = "Updating";
    cluster.etagVersion++;
    const outcome = this.nextOutcome;
    return this.startOperation(200, { ETag: this.etagOf(cluster) }, this.model(cluster), () => {
      if (outcome === "Succeeded") cluster.localAccountsEnabled = !disable;
      cluster.provisioningState = outcome;
      cluster.etagVersion++;
    });
  }

  private rotate(cluster: FakeCluster): FakeResponse {
    cluster.provisioningState = "Updating";
    return this.startOperation(202, {}, undefined, () => {
      cluster.rotations++;
      cluster.provisioningState = "Succeeded";
      cluster.etagVersion++;
    });
  }

  private startOperation(
    status: number,
    headers: Record<string, string>,
    body: unknown,
    finish: () => void,
  ): FakeResponse {
    const id = randomUUID();
    this.operations.set(id, { pollsLeft: this.pollsPerOperation, outcome: this.nextOutcome, finish, finished: false });
    // As AKS answers: the status at .../operations/{id}, the result of a 202 at .../operationresults/{id}.
    const at = (kind: string) =>
      `${this.url}/subscriptions/any/providers/Microsoft.ContainerService/locations/westeurope/${kind}/${id}?api-version=2017-08-31`;
    return {
      status,
      headers: {
        ...headers,
        "Azure-AsyncOperation": at("operations"),
        ...(status === 202 ? { Location: at("operationresults") } : {}),
      },
      ...(body === undefined ? {} : { body }),
    };
  }

  /** The result of a finished operation (what a POST's poller reads at its Location at the end): 204, as AKS answers. */
  private result(id: string): FakeResponse {
    const operation = this.operations.get(id);
    if (!operation) return error(404, "NotFound", "no such operation");
    return { status: operation.finished ? 204 : 202 };
  }

  private poll(id: string): FakeResponse {
    const operation = this.operations.get(id);
    if (!operation) return error(404, "NotFound", "no such operation");
    if (operation.pollsLeft > 0) {
      operation.pollsLeft--;
      return {
        status: 200,
        headers: this.pollRetryAfter === undefined ? {} : { "Retry-After": String(this.pollRetryAfter) },
        body: { id, name: id, status: "InProgress" },
      };
    }
    // The operation stays answerable after it finished, as AKS keeps it.
    if (!operation.finished) operation.finish();
    operation.finished = true;
    return operation.outcome === "Succeeded"
      ? { status: 200, body: { id, name: id, status: "Succeeded" } }
      : {
          status: 200,
          body: {
            id,
            name: id,
            status: "Failed",
            error: { code: "InternalOperationError", message: "the update failed" },
          },
        };
  }

  private listActivity(request: FakeRequest): FakeResponse {
    const filter = request.query.get("$filter") ?? "";
    const from = /eventTimestamp ge '([^']+)'/.exec(filter)?.[1];
    const to = /eventTimestamp le '([^']+)'/.exec(filter)?.[1];
    const resource = /resourceUri eq '([^']+)'/.exec(filter)?.[1];
    if (!from || !to) return error(400, "BadRequest", "the filter must bound eventTimestamp");
    const events = this.activity
      .filter(
        (event) =>
          event.at >= from &&
          event.at <= to &&
          (!resource || event.resourceId.toLowerCase() === resource.toLowerCase()),
      )
      .sort((a, b) => b.at.localeCompare(a.at)); // the Activity Log answers newest first
    const skip = Number(request.query.get("$skiptoken") ?? "0");
    const page = events.slice(skip, skip + this.activityPageSize);
    const next = skip + this.activityPageSize < events.length ? new URL(request.path, this.url) : undefined;
    if (next) {
      request.query.forEach((value, name) => next.searchParams.set(name, value));
      next.searchParams.set("$skiptoken", String(skip + this.activityPageSize));
    }
    return {
      status: 200,
      body: {
        value: page.map((event) => ({
          resourceId: event.resourceId,
          caller: event.caller,
          eventTimestamp: event.at,
          operationName: { value: event.operation, localizedValue: event.operation },
          status: { value: event.status, localizedValue: event.status },
        })),
        ...(next ? { nextLink: next.toString() } : {}),
      },
    };
  }

  private model(cluster: FakeCluster) {
    const [, subscription, resourceGroup, name] = CLUSTER_PATH.exec(cluster.id)!;
    return {
      id: cluster.id,
      name,
      type: "Microsoft.ContainerService/ManagedClusters",
      location: "westeurope",
      eTag: this.etagOf(cluster),
      sku: { name: "Base", tier: "Standard" },
      identity: { type: "SystemAssigned" },
      properties: {
        provisioningState: cluster.provisioningState,
        powerState: { code: cluster.powerState },
        kubernetesVersion: "1.31",
        currentKubernetesVersion: "1.31.2",
        dnsPrefix: `${name}-dns`,
        fqdn: `${name}-dns.hcp.westeurope.azmk8s.io`,
        nodeResourceGroup: `MC_${resourceGroup}_${name}_westeurope`,
        enableRBAC: true,
        disableLocalAccounts: !cluster.localAccountsEnabled,
        ...(cluster.entraIntegration
          ? { aadProfile: { managed: true, enableAzureRbac: true, tenantID: subscription } }
          : {}),
        agentPoolProfiles: [
          {
            name: "system",
            count: 3,
            vmSize: "Standard_D4ds_v5",
            mode: "System",
            osType: "Linux",
            type: "VirtualMachineScaleSets",
          },
        ],
        networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay" },
      },
    };
  }
}

/** ARM's answer to a caller whose grants at the scope do not allow the action. */
function refused(action: string, scope: string): FakeResponse {
  return error(
    403,
    "AuthorizationFailed",
    `The client does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.`,
  );
}

function error(status: number, code: string, message: string): FakeResponse {
  return { status, body: { error: { code, message } } };
}
