// A fake of the Log Analytics query API for resource-context queries, as the SDK speaks it:
// POST /v1{resourceId}/query with {query, timespan}, answered with a PrimaryResult table whose
// columns are the ones the app's kube-audit query projects (typed, so the SDK turns datetimes into
// Dates). It holds each cluster's kube-audit calls with the time each was ingested: a call is
// invisible until the fake's clock passes that time, as Azure Monitor's ingestion delay makes it.
// It does not interpret KQL: it reads the query's two time parameters and its `take`, and does
// what the template asks (calls by masterclient received in the period, one per AuditId, oldest
// first). Like the service, it leaves out the tables the caller may not read, refusing nothing.
// It can fail as the service does (its JSON error) or as a gateway in front of it may (no body,
// plain text, an HTML page), and answer in part (rows and an error beside them).
import { ADMIN_CALL_COLUMNS, type KUBE_AUDIT_TABLES } from "../../../src/domain/kubeAuditQuery.js";
import { KUBE_ADMIN_USER, type AdminCall } from "../../../src/domain/evidence.js";
import { HttpsFake, isBearerFor, type FakeRequest, type FakeResponse } from "./https.js";

export type KubeAuditTable = (typeof KUBE_AUDIT_TABLES)[number];

/** How an error is answered: the service's JSON error, or as a gateway may, with no body, text or HTML. */
export type ErrorBody = "json" | "none" | "text" | "html";

const SERVICE_ERRORS: Record<number, readonly [string, string]> = {
  401: ["InvalidTokenError", "The provided authentication is not valid"],
  403: [
    "InsufficientAccessError",
    "The provided credentials have insufficient access to perform the requested operation",
  ],
  429: ["ThrottledError", "Your request was throttled; retry after the delay"],
  502: ["BadGateway", "Bad Gateway"],
  503: ["ServiceUnavailable", "The service is unavailable"],
};

export interface FakeAuditRow {
  readonly call: AdminCall;
  readonly table: KubeAuditTable;
  /** Its TimeGenerated, which the request's timespan filters: when the call completed. */
  readonly generatedAt: string;
  /** When it can first be queried (epoch ms). */
  readonly ingestedAt: number;
}

/** One query the fake answered or refused: the scope asked (a resource id), the KQL and the timespan. */
export interface RecordedQuery {
  readonly scope: string;
  readonly query: string;
  readonly timespan: string;
  readonly authorization: string | undefined;
}

const QUERY_PATH = /^\/v1(\/subscriptions\/.+)\/query$/i;
const COLUMN_TYPES: Record<(typeof ADMIN_CALL_COLUMNS)[number], string> = {
  AuditId: "string",
  At: "datetime",
  Verb: "string",
  Resource: "string",
  Namespace: "string",
  Name: "string",
  Username: "string",
  SourceIp: "string",
  Status: "int",
};

export class FakeLogAnalytics extends HttpsFake {
  /** The fake's now, which ingestion is measured against; a harness points it at its own clock. */
  clock: () => Date = () => new Date();
  /** How long after a call its row can be queried, unless a test says otherwise. */
  ingestionDelayMs = 0;
  /** Tables the app's identity may not read: left out of every answer, as the service does. */
  readonly unreadableTables = new Set<KubeAuditTable>();
  /** Set, every answer is partial: its rows and this error beside them, as when a workspace fails. */
  partialError: object | undefined;
  private readonly rows = new Map<string, FakeAuditRow[]>();

  constructor() {
    super((request) => this.route(request));
  }

  /** kube-audit rows of a cluster's calls, each ingested `ingestionDelayMs` after it was received. */
  addCalls(
    clusterId: string,
    calls: readonly AdminCall[],
    options: { table?: KubeAuditTable; ingestionDelayMs?: number; completedAfterMs?: number } = {},
  ): void {
    const rows = this.rows.get(clusterId.toLowerCase()) ?? [];
    for (const call of calls) {
      const at = Date.parse(call.at);
      rows.push({
        call,
        table: options.table ?? "AKSAuditAdmin",
        generatedAt: new Date(at + (options.completedAfterMs ?? 0)).toISOString(),
        ingestedAt: at + (options.ingestionDelayMs ?? this.ingestionDelayMs),
      });
    }
    this.rows.set(clusterId.toLowerCase(), rows);
  }

  /** The next `times` queries are throttled (429) with a Retry-After of `seconds`. */
  throttle(times: number, seconds: number, body: ErrorBody = "json"): void {
    this.fail(429, { times, body, retryAfterSeconds: seconds });
  }

  /** The next query is refused (403, or 401), as for a caller without any read on the scope. */
  refuse(body: ErrorBody = "json", status: 401 | 403 = 403): void {
    this.fail(status, { body });
  }

  /**
   * The next `times` queries fail with `status`, answered with the service's JSON error, or as a
   * gateway in front of it may: no body, a plain-text one or an HTML page.
   */
  fail(status: number, options: { times?: number; body?: ErrorBody; retryAfterSeconds?: number } = {}): void {
    const { times = 1, body = "json", retryAfterSeconds } = options;
    const retryAfter: Record<string, string> =
      retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) };
    const [code, message] = SERVICE_ERRORS[status] ?? ["ServiceError", `The service answered ${status}`];
    const answers: Record<ErrorBody, FakeResponse> = {
      json: { status, headers: retryAfter, body: serviceError(code, message) },
      none: { status, headers: retryAfter },
      text: { status, headers: { ...retryAfter, "Content-Type": "text/plain" }, body: `${status} ${message}\n` },
      html: {
        status,
        headers: { ...retryAfter, "Content-Type": "text/html; charset=utf-8" },
        body: `<html><head><title>${status}</title></head><body><h1>${message}</h1></body></html>`,
      },
    };
    this.inject({ method: "POST", times, response: answers[body] });
  }

  /** Every query received, oldest first. */
  queries(): RecordedQuery[] {
    return this.received("POST").map((request) => {
      const { query, timespan } = bodyOf(request);
      return {
        scope: QUERY_PATH.exec(request.path)?.[1] ?? request.path,
        query,
        timespan,
        authorization: request.headers.authorization,
      };
    });
  }

  private route(request: FakeRequest): FakeResponse {
    if (!isBearerFor(this, request.headers.authorization))
      return { status: 401, body: serviceError("InvalidTokenError", "The provided authentication is not valid") };
    const scope = QUERY_PATH.exec(request.path)?.[1];
    if (request.method !== "POST" || !scope) return { status: 404, body: serviceError("PathNotFoundError", "no") };
    const { query, timespan } = bodyOf(request);
    const span = timespan.split("/").map(Date.parse);
    const [from, to] = [...query.matchAll(/datetime\(([^)]+)\)/g)].map((match) => Date.parse(match[1]!));
    const take = Number(/\| take (\d+)\s*$/.exec(query)?.[1]);
    const times = [...span, from, to];
    if (times.length !== 4 || times.some((time) => time === undefined || Number.isNaN(time)) || !take)
      return { status: 400, body: serviceError("BadArgumentError", "The request had some invalid properties") };
    const now = this.clock().getTime();
    const visible = (this.rows.get(scope.toLowerCase()) ?? []).filter((row) => {
      const generated = Date.parse(row.generatedAt);
      const at = Date.parse(row.call.at);
      return (
        row.ingestedAt <= now &&
        !this.unreadableTables.has(row.table) &&
        row.call.user === KUBE_ADMIN_USER &&
        generated >= span[0]! &&
        generated <= span[1]! &&
        at >= from! &&
        at <= to!
      );
    });
    const distinct = [...new Map(visible.map((row) => [row.call.id, row.call])).values()]
      .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))
      .slice(0, take);
    return {
      status: 200,
      body: {
        tables: [
          {
            name: "PrimaryResult",
            columns: ADMIN_CALL_COLUMNS.map((name) => ({ name, type: COLUMN_TYPES[name] })),
            rows: distinct.map((call) => [
              call.id,
              call.at,
              call.verb,
              call.resource,
              call.namespace,
              call.name,
              call.user,
              call.sourceIp,
              call.status,
            ]),
          },
        ],
        ...(this.partialError ? { error: this.partialError } : {}),
      },
    };
  }
}

/** The request's query and timespan, empty when they are missing or not text. */
function bodyOf(request: FakeRequest): { query: string; timespan: string } {
  const body = (request.body ?? {}) as { query?: unknown; timespan?: unknown };
  return {
    query: typeof body.query === "string" ? body.query : "",
    timespan: typeof body.timespan === "string" ? body.timespan : "",
  };
}

function serviceError(code: string, message: string) {
  return { error: { code, message, correlationId: "00000000-0000-4000-8000-00000000c0de" } };
}
