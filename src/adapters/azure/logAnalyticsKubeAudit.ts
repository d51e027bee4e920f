// kube-audit through Log Analytics (docs/design.md §11), queried in the cluster's resource context:
// the app names the cluster, not a workspace, and Azure Monitor reads whichever workspaces the
// cluster's diagnostic settings send to, table by table as the app may read them. That has a cost
// the caller must know: a table the app may not read is left out of the answer, not refused, so an
// empty answer is no proof that nothing was done (the collection also reads the diagnostic settings).
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy, PipelineResponse } from "@azure/core-rest-pipeline";
import { LogsQueryClient, LogsQueryResultStatus, type LogsQueryResult } from "@azure/monitor-query-logs";
import { ARM_ACTIONS } from "../../domain/armActions.js";
import type { ManagedCluster } from "../../domain/clusters.js";
import {
  adminCallsQuery,
  adminCallsTimespan,
  describeIncomplete,
  parseAdminCalls,
} from "../../domain/kubeAuditQuery.js";
import { TransientError } from "../../ports/errors.js";
import { ADMIN_CALL_ROW_LIMIT, type AdminCallsAnswer, type KubeAuditLog } from "../../ports/kubeAuditLog.js";
import { retryAfterMs, scopeOf } from "./credentials.js";

export interface LogAnalyticsOptions {
  /** BREAKGLASS_LOGS_ENDPOINT. */
  readonly endpoint: string;
  /** Retries inside the SDK for 429/5xx (honouring Retry-After), before the caller's own. */
  readonly maxRetries?: number;
  /** How long one query may take. */
  readonly timeoutMs?: number;
}

/** A kube-audit query over a busy workspace takes seconds; a minute is a service that is not answering. */
const DEFAULT_TIMEOUT_MS = 60_000;

/** The table-level reads on the cluster that a resource-context query of kube-audit needs. */
const NEEDED_READS = [ARM_ACTIONS.readKubeAudit, ARM_ACTIONS.readKubeAuditAdmin, ARM_ACTIONS.readLegacyDiagnostics]
  .map((entry) => entry.action)
  .join(", ");

export class LogAnalyticsKubeAudit implements KubeAuditLog {
  private readonly client: LogsQueryClient;

  constructor(
    credential: TokenCredential,
    private readonly options: LogAnalyticsOptions,
  ) {
    const base = options.endpoint.replace(/\/+$/, "");
    // The SDK takes `endpoint` as the API's root, version included; the token's audience is the
    // endpoint itself (https://api.loganalytics.io, …azure.cn, …us), as for every other endpoint.
    this.client = new LogsQueryClient(credential, {
      endpoint: `${base}/v1`,
      credentials: { scopes: [scopeOf(base)] },
      ...(options.maxRetries === undefined ? {} : { retryOptions: { maxRetries: options.maxRetries } }),
    });
    // Outermost (Serialize is the first phase): it sees the response the SDK's retries and the token
    // policy's challenge handling settled on, the one the SDK would otherwise misread.
    this.client.pipeline.addPolicy(errorResponsePolicy, { phase: "Serialize" });
  }

  async adminCalls(cluster: ManagedCluster, from: Date, to: Date): Promise<AdminCallsAnswer> {
    const query = adminCallsQuery(cluster.id, from, to, ADMIN_CALL_ROW_LIMIT);
    let result: LogsQueryResult;
    try {
      // The API's path is /v1/{resourceId}/query, the id without its leading slash.
      result = await this.client.queryResource(cluster.id.replace(/^\/+/, ""), query, adminCallsTimespan(from, to), {
        // The client drops an abortSignal (it keeps only requestOptions): the request's own timeout it passes on.
        requestOptions: { timeout: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      });
    } catch (error) {
      return refusalOrThrow(error, cluster);
    }
    const [table] = "tables" in result ? result.tables : result.partialTables;
    const { calls, truncated } = parseAdminCalls(
      { columns: table?.columnDescriptors ?? [], rows: table?.rows ?? [] },
      ADMIN_CALL_ROW_LIMIT,
    );
    // A partial answer (a service limit reached, one of several workspaces failing) is still
    // evidence of what it holds, kept rather than thrown away for a retry that may meet the same
    // limit again; but it is not the row limit: it says why it is incomplete.
    if (result.status === LogsQueryResultStatus.PartialFailure)
      return { kind: "found", calls, truncated, incomplete: describeIncomplete(result.partialError) };
    return { kind: "found", calls, truncated };
  }
}

/**
 * Every final answer ≥ 400 as a ServiceError, thrown before the SDK sees it: @azure/monitor-query-logs
 * 1.0.0 reads an error body as `{error: {code}}` unchecked, so an empty or non-JSON one (a gateway's
 * 429, an HTML 502, a bodyless 403) would become a TypeError without its status or Retry-After.
 */
const errorResponsePolicy: PipelinePolicy = {
  name: "breakglassLogsErrorResponse",
  async sendRequest(request, next) {
    const response = await next(request);
    if (response.status < 400) return response;
    throw new LogsServiceError(response);
  },
};

class LogsServiceError extends Error implements ServiceError {
  readonly statusCode: number;
  readonly code: string | undefined;
  readonly details: ServiceError["details"];

  constructor(readonly response: PipelineResponse) {
    const body = jsonOf(response.bodyAsText);
    // The API's shape is {error: {code, message}}; a bare {code, message} is read as well.
    const info = isRecord(body?.error) ? body.error : body;
    const type = response.headers.get("content-type")?.split(";")[0]?.trim();
    super(
      typeof info?.message === "string"
        ? info.message
        : `HTTP ${response.status} with ${response.bodyAsText ? `a ${type ?? "non-JSON"} body` : "no body"}`,
    );
    this.name = "LogsServiceError";
    this.statusCode = response.status;
    this.code = typeof info?.code === "string" ? info.code : undefined;
    this.details = body;
  }
}

function jsonOf(text: string | null | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = text ? JSON.parse(text) : undefined;
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined; // an HTML or plain-text page: its status says what happened
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface ServiceError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message?: string;
  /** The error body as the service sent it, not trusted. */
  readonly details?: { readonly error?: { readonly innererror?: { readonly message?: unknown } } };
  readonly response?: { readonly headers?: { get(name: string): string | null | undefined } };
}

/**
 * Log Analytics' refusal as what evidence says (no permission, a query it will not run), or, for
 * what a later query may mend (429, 5xx, a timeout, the network), a thrown TransientError.
 */
function refusalOrThrow(error: unknown, cluster: ManagedCluster): AdminCallsAnswer {
  const {
    statusCode: status,
    code = `HTTP_${status}`,
    message = String(error),
    details,
    response,
  } = error as ServiceError;
  if (status === 401 || status === 403)
    return {
      kind: "unavailable",
      code: "LOGS_FORBIDDEN",
      reason:
        `the app's identity may not read the kube-audit logs of ${cluster.name} (${code}): it needs ${NEEDED_READS} ` +
        "on the cluster, or Log Analytics Reader on the workspace",
    };
  if (status === 429)
    throw new TransientError(
      "LOGS_THROTTLED",
      `Log Analytics throttled the kube-audit query of ${cluster.name}: ${message}`,
      retryAfterMs(response?.headers?.get("retry-after")),
      { cause: error },
    );
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) {
    // BadArgumentError's own message is generic; the inner one says what the service disliked.
    const inner = details?.error?.innererror?.message;
    return {
      kind: "unavailable",
      code: "LOGS_QUERY_REJECTED",
      reason: `Log Analytics refused the kube-audit query of ${cluster.name} (${code}): ${message}${typeof inner === "string" && inner ? ` (${inner})` : ""}`,
    };
  }
  const name = error instanceof Error ? error.name : "";
  const timedOut = status === undefined && (name === "AbortError" || name === "TimeoutError");
  throw new TransientError(
    status === undefined ? "LOGS_UNAVAILABLE" : `LOGS_${status}`,
    timedOut
      ? `Log Analytics did not answer the kube-audit query of ${cluster.name} in time`
      : `Log Analytics could not answer the kube-audit query of ${cluster.name}: ${message}`,
    retryAfterMs(response?.headers?.get("retry-after")),
    { cause: error },
  );
}
