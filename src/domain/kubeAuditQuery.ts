// The one Log Analytics query evidence asks (docs/design.md §11), and the reading of its answer.
// The KQL is a fixed template: the cluster id and the two times are its only parameters, and they
// enter as values that cannot end the literal they are in (a base64 text, ISO times checked
// against a strict pattern), so no cluster name, id or time can add KQL of its own. It selects
// metadata only: request and response bodies (RequestObject, ResponseObject) are never read, so a
// secret's value cannot reach the answer. Pure.
import { createHash } from "node:crypto";
import { KUBE_ADMIN_USER, type AdminCall } from "./evidence.js";

/** Where each shape of kube-audit lands: the resource-specific tables, and the legacy AzureDiagnostics. */
export const KUBE_AUDIT_TABLES = ["AKSAudit", "AKSAuditAdmin", "AzureDiagnostics"] as const;

/** The columns the query answers, in order: what parseAdminCalls reads. */
export const ADMIN_CALL_COLUMNS = [
  "AuditId",
  "At",
  "Verb",
  "Resource",
  "Namespace",
  "Name",
  "Username",
  "SourceIp",
  "Status",
] as const;

/** What Date.toISOString() writes, and nothing else: the only text a time may add to the query. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A row's TimeGenerated comes when its call completes, after the API server received it; the
 * query's timespan (which filters TimeGenerated) reaches this far past `to` so that a call received
 * just before `to` is not cut. The query itself still keeps only calls received in [from, to].
 */
export const COMPLETION_SLACK_MS = 60 * 60_000;

/** The query's time range, as the Log Analytics API takes it (`timespan`). */
export function adminCallsTimespan(from: Date, to: Date): { startTime: Date; endTime: Date } {
  instant(from);
  instant(to);
  return { startTime: from, endTime: new Date(to.getTime() + COMPLETION_SLACK_MS) };
}

/**
 * Calls by `masterclient` on the cluster received in [from, to], one row per call (its
 * ResponseComplete stage), a call seen in two tables once, oldest first, at most
 * `rowLimit` + 1 rows so that a fuller answer is seen to be cut. `union isfuzzy=true` leaves out
 * a table the workspace does not have instead of failing the query.
 */
export function adminCallsQuery(clusterId: string, from: Date, to: Date, rowLimit: number): string {
  const start = instant(from);
  const end = instant(to);
  if (start > end) throw new RangeError(`the period ends (${end}) before it starts (${start})`);
  if (!Number.isSafeInteger(rowLimit) || rowLimit < 1) throw new RangeError(`${rowLimit} is no row limit`);
  // Base64's alphabet holds neither a quote nor a backslash: the literal cannot be ended from inside.
  const cluster = Buffer.from(clusterId, "utf8").toString("base64");
  return [
    `let fromTime = datetime(${start});`,
    `let toTime = datetime(${end});`,
    `let clusterId = base64_decode_tostring("${cluster}");`,
    "union isfuzzy=true",
    `  (AKSAudit | project ${RESOURCE_SPECIFIC}),`,
    `  (AKSAuditAdmin | project ${RESOURCE_SPECIFIC}),`,
    "  (AzureDiagnostics",
    '    | where Category in ("kube-audit", "kube-audit-admin")',
    '    | extend Event = parse_json(column_ifexists("log_s", ""))',
    `    | project ${LEGACY})`,
    "| where _ResourceId =~ clusterId",
    "| where At between (fromTime .. toTime)",
    '| where Stage == "ResponseComplete"',
    `| where tostring(User.username) == "${KUBE_ADMIN_USER}"`,
    "| extend Subresource = tostring(ObjectRef.subresource)",
    "| project AuditId, At, Verb,",
    '    Resource = strcat(tostring(ObjectRef.resource), iff(isempty(Subresource), "", strcat("/", Subresource))),',
    "    Namespace = tostring(ObjectRef.namespace), Name = tostring(ObjectRef.name),",
    "    Username = tostring(User.username), SourceIp = tostring(SourceIps[0]), Status = toint(ResponseStatus.code)",
    // The same call in AKSAudit and AKSAuditAdmin is the same row. Not by AuditId alone: a client
    // may send its own Audit-ID header, which the API server keeps, to make its calls look like one.
    "| summarize take_any(Username, SourceIp, Status) by AuditId, At, Verb, Resource, Namespace, Name",
    `| project ${ADMIN_CALL_COLUMNS.join(", ")}`,
    "| order by At asc, AuditId asc",
    `| take ${rowLimit + 1}`,
  ].join("\n");
}

/** The resource-specific tables' columns (AKSAudit and AKSAuditAdmin share them), bodies left out. */
const RESOURCE_SPECIFIC =
  "AuditId, Stage, At = RequestReceivedTime, Verb, User, ObjectRef, SourceIps, ResponseStatus, _ResourceId";

/**
 * The same from AzureDiagnostics, where the kube-audit event is the JSON text in log_s: a column
 * that a workspace whose AzureDiagnostics holds only other resources' logs lacks, hence
 * column_ifexists (isfuzzy forgives a missing table, not a missing column).
 */
const LEGACY =
  "AuditId = tostring(Event.auditID), Stage = tostring(Event.stage), " +
  "At = todatetime(Event.requestReceivedTimestamp), Verb = tostring(Event.verb), User = Event.user, " +
  "ObjectRef = Event.objectRef, SourceIps = Event.sourceIPs, ResponseStatus = Event.responseStatus, _ResourceId";

function instant(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError("not a valid time");
  const text = date.toISOString();
  if (!ISO_INSTANT.test(text)) throw new RangeError(`${text} is outside the years 0000-9999`);
  return text;
}

/** One table of a query's answer: its columns' names and its rows (datetime cells as Date or text). */
export interface QueryTable {
  readonly columns: readonly { readonly name?: string }[];
  readonly rows: readonly unknown[];
}

/**
 * The calls of the query's answer, at most `rowLimit`, and whether there were more. The
 * log's values are not trusted: an odd cell becomes an empty one; a row without an AuditId or a
 * valid time, which could not be counted once or placed in the window, is left out. Never throws.
 */
export function parseAdminCalls(table: QueryTable, rowLimit: number): { calls: AdminCall[]; truncated: boolean } {
  const index = new Map(table.columns.map((column, at) => [column.name ?? "", at]));
  const calls: AdminCall[] = [];
  for (const row of table.rows) {
    if (!Array.isArray(row)) continue;
    const cell = (name: (typeof ADMIN_CALL_COLUMNS)[number]): unknown => {
      const at = index.get(name);
      return at === undefined ? undefined : row[at];
    };
    const auditId = text(cell("AuditId"));
    const at = isoTime(cell("At"));
    if (!auditId || !at) continue;
    const what = { verb: text(cell("Verb")), resource: text(cell("Resource")) };
    const where = { namespace: text(cell("Namespace")), name: text(cell("Name")) };
    calls.push({
      id: callId(auditId, at, what, where),
      at,
      ...what,
      ...where,
      user: text(cell("Username")),
      sourceIp: text(cell("SourceIp")),
      status: statusCode(cell("Status")),
    });
  }
  return { calls: calls.slice(0, rowLimit), truncated: calls.length > rowLimit };
}

/**
 * What identifies a call: its AuditId, which the client may choose (an Audit-ID header), with what
 * it did and when, hashed so that hostile names cannot make it long.
 */
function callId(auditId: string, at: string, what: object, where: object): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([auditId, at, what, where]))
    .digest("hex");
  return `${auditId.slice(0, 64)}#${digest.slice(0, 16)}`;
}

/** The most of a partial answer's reason kept in `incomplete`: a line, not the service's whole report. */
const INCOMPLETE_MAX_CHARS = 300;
/** How deep into details and inner errors the reason is read (the service nests two or three). */
const INCOMPLETE_MAX_DEPTH = 4;

/**
 * A partial answer's error ({code, message, details[], innererror}) as one line: each level's
 * "code: message", outermost first, without links (the service's point to its docs) or anything
 * shaped like a token, at most INCOMPLETE_MAX_CHARS. Like the rows, the error is not trusted. Never throws.
 */
export function describeIncomplete(error: unknown): string {
  const parts: string[] = [];
  collectReasons(error, parts, 0);
  const line = parts
    .join("; ")
    .replace(/\b(?:https?|ftp):\/\/\S+/gi, "[link]")
    .replace(/\bBearer\s+\S+/gi, "Bearer [token]")
    .replace(/\beyJ[\w-]*\.[\w-]+\.[\w-]*/g, "[token]")
    .replace(/\b(token|key|sig|secret|password)=\S+/gi, "$1=[redacted]")
    .replace(/\s+/g, " ")
    .trim();
  const reason = line || "the log answered only in part, without saying why";
  return reason.length > INCOMPLETE_MAX_CHARS ? `${reason.slice(0, INCOMPLETE_MAX_CHARS - 1)}…` : reason;
}

function collectReasons(error: unknown, parts: string[], depth: number): void {
  if (typeof error !== "object" || error === null || depth > INCOMPLETE_MAX_DEPTH) return;
  const { code, message, details, innererror } = error as Record<string, unknown>;
  const part = [text(code), text(message)].filter(Boolean).join(": ");
  if (part && !parts.includes(part)) parts.push(part);
  for (const detail of Array.isArray(details) ? details : []) collectReasons(detail, parts, depth + 1);
  collectReasons(innererror, parts, depth + 1);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : "";
}

function isoTime(value: unknown): string | undefined {
  const time = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function statusCode(value: unknown): number {
  const code = typeof value === "string" && /^\d{1,3}$/.test(value) ? Number(value) : value;
  return typeof code === "number" && Number.isInteger(code) && code >= 0 && code < 1000 ? code : 0;
}
