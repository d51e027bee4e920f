// The closed sets of codes the product speaks in. Codes are read by machines — scripts branch on
// an HTTP error's code, auditors filter the trail by an entry's code, alerts quote them — so a
// code is a name that is declared once, here, and a typo is a compile error rather than a new
// code nobody handles. test/unit/domain/codes.test.ts keeps every code literal in src/ in a set.

/** The codes of the HTTP API's `{"error":{"code","message"}}` answers. */
export const ERROR_CODES = [
  // the request itself
  "INVALID_REQUEST",
  "MALFORMED_JSON",
  "UNSUPPORTED_MEDIA_TYPE",
  "PAYLOAD_TOO_LARGE",
  "BODY_REQUIRED",
  "INVALID_DURATION",
  "INVALID_IDEMPOTENCY_KEY",
  "INVALID_RETURN_TO",
  // what the offline host (dev/host) refuses before the app sees the request
  "MALFORMED_REQUEST",
  "URI_TOO_LONG",
  "HEADERS_TOO_LARGE",
  "REQUEST_TIMEOUT",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  // what it names
  "REQUEST_NOT_FOUND",
  "STREAM_NOT_FOUND",
  "UNKNOWN_CLUSTER",
  "AMBIGUOUS_CLUSTER",
  "CLUSTER_EXISTS",
  "UNKNOWN_GROUP",
  "UNKNOWN_USER",
  "CLUSTER_NOT_MANAGED",
  // who asks
  "UNAUTHENTICATED",
  "NOT_AUTHORIZED",
  "ACCOUNT_DISABLED",
  "NOT_EMERGENCY_MEMBER",
  "NOT_APPROVER",
  "NOT_REQUESTER",
  // the simulation's admin-credential fetch, when the emergency group lacks the Cluster Admin role there
  "EMERGENCY_ROLE_MISSING",
  // the simulation's kubectl, when no admin kubeconfig fetched since the last certificate rotation exists
  "ADMIN_CREDENTIAL_INVALID",
  "SELF_APPROVAL",
  "CLIENT_STATE_MISMATCH",
  // the state it finds
  "LIVE_REQUEST_EXISTS",
  "IDEMPOTENCY_KEY_IN_USE",
  "NOT_PENDING",
  "NOT_OPEN",
  "EXTENSION_PENDING",
  "BEYOND_MAXIMUM",
  "ALREADY_APPROVED",
  "APPROVAL_EXPIRED",
  "LOCAL_ACCOUNTS_DISABLED",
  // an action that reached a request whose workflow had already moved on
  "ALREADY_DENIED",
  "ALREADY_EXPIRED",
  "ALREADY_CLOSED",
  "ALREADY_FAILED",
  "WORKFLOW_ENDED",
  // the service
  "CLIENT_STATE_NOT_CONFIGURED",
  "AUTHENTICATION_UNAVAILABLE",
  "WORKFLOW_START_FAILED",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The codes the product records: how a request ended, why an audit entry refused or failed, what a
 * failure that a retry may fix was, what a health check or a subscription renewal found.
 */
export const OUTCOME_CODES = [
  // how a request ended
  "WINDOW_ENDED",
  "CLOSED_EARLY",
  "CLOSED_BY_WATCHDOG",
  "WITHDRAWN",
  "DENIED",
  "APPROVAL_TIMEOUT",
  "WORKFLOW_ERROR",
  "START_FAILED",
  "OPEN_TIMED_OUT",
  "UNKNOWN_USER",
  "ACCOUNT_DISABLED",
  "NOT_EMERGENCY_MEMBER",
  // what the workflow refused or could not do
  "SELF_APPROVAL",
  "DUPLICATE_APPROVAL",
  "NOT_REQUESTER",
  "NOT_PENDING",
  "NOT_OPEN",
  "EXTENSION_PENDING",
  "BEYOND_MAXIMUM",
  "EXTENSION_DENIED",
  "EXTENSION_EXPIRED",
  "EXTENSION_FAILED",
  "MALFORMED_EVENT",
  "ALREADY_DENIED",
  "ALREADY_EXPIRED",
  "ALREADY_CLOSED",
  "ALREADY_FAILED",
  "WORKFLOW_ENDED",
  "NOTIFICATION_FAILED",
  "ALERT_UNDELIVERED",
  "ROTATION_FAILED",
  "ACTIVITY_FAILED",
  "WINDOW_OVERDUE",
  "CLUSTER_NOT_FOUND",
  // failures a retry may fix (TransientError)
  "CLUSTER_BUSY",
  "ETAG_MISMATCH",
  "STORAGE_UNAVAILABLE",
  "STATE_CONTENDED",
  "STATE_TOO_LARGE",
  "SLOT_CONTENDED",
  "REQUEST_CONTENDED",
  "AUDIT_HEAD_CONTENDED",
  "ATTEMPT_TOO_SLOW",
  "GROUP_WATCH_CONTENDED",
  "WORKFLOW_UNAVAILABLE",
  "ARM_TIMEOUT",
  "ARM_OPERATION_FAILED",
  "GRAPH_TOKEN",
  "GRAPH_FORBIDDEN",
  "GRAPH_DELTA",
  "NO_DELTA_LINK",
  "TIMEOUT",
  "NETWORK",
  "FAILED",
  // health checks
  "NO_SIGNING_KEYS",
  "NO_CHANNEL",
  "NO_APPROVERS",
  "MAIL_SENDER_NOT_FOUND",
  "ENTRA_INTEGRATION_OFF",
  // what a readiness check found (docs/design.md §10)
  "PERMISSION_MISSING",
  "EMERGENCY_ROLE_MISSING",
  "CLUSTER_NOT_UPDATABLE",
  "KUBE_AUDIT_OFF",
  "GRAPH_ROLE_MISSING",
  "TOO_FEW_APPROVERS",
  "CONDITIONAL_ACCESS_NOT_EXCLUDED",
  "CONDITIONAL_ACCESS_UNREADABLE",
  "CHECK_FORBIDDEN",
  "NOT_APPROVER",
  "NOT_AUTHORIZED",
  "CLUSTER_NOT_MANAGED",
  "CLIENT_STATE_MISMATCH",
  "CLIENT_STATE_NOT_CONFIGURED",
  "WORKFLOW_START_FAILED",
  "ACTIVITY_LOG_UNAVAILABLE",
  // subscription upkeep
  "CREATED",
  "RENEWED",
  "REAUTHORIZED",
  // what the watchdog found and did
  "WATCHDOG_LOCKED",
  "DRIFT",
  "LOCK_FAILED",
  "CLUSTER_UNREADABLE",
  "CLUSTER_MISSING",
  // what group watch found
  "TOO_MANY_MEMBERS",
  "DISABLED_MEMBER",
  "SOLE_APPROVER",
  "NO_APPROVER",
  "WATCH_FAILING",
  "WATCH_RECOVERED",
  // what the watchdog did about certificates
  "CERTIFICATES_NONE",
  "CERTIFICATES_ROTATE",
  "CERTIFICATES_ADVISE",
  // evidence (docs/design.md §11): why there is none, and what the evidence watch found
  "EVIDENCE_OFF",
  "EVIDENCE_UNSETTLED",
  "LOGS_FORBIDDEN",
  "LOGS_THROTTLED",
  "LOGS_UNAVAILABLE",
  "LOGS_QUERY_REJECTED",
  "CREDENTIAL_USED_AFTER_WINDOW",
  "CREDENTIAL_WATCH_ENDED",
  "CREDENTIAL_WATCH_ROTATED",
  "CREDENTIAL_WATCH_FAILED",
  // the fleet (docs/design.md §12): the inventory could not be asked, or refused the query
  "FLEET_UNAVAILABLE",
  "FLEET_QUERY_REJECTED",
  "FLEET_FORBIDDEN",
  "FLEET_THROTTLED",
] as const;

/** An HTTP status a dependency answered, named after the dependency (ARM_409, STORAGE_503). */
export type StatusCode = `${"ARM" | "STORAGE" | "GRAPH" | "HTTP" | "ACTIVITY_LOG" | "LOGS" | "FLEET"}_${number}`;

/**
 * A code another service gave, passed on as it came (ARM's `AuthorizationFailed`): not ours to
 * close, so it is marked where it enters, in an adapter, and cannot be written as a bare literal.
 */
export type UpstreamCode = string & { readonly upstream: true };

export type OutcomeCode = (typeof OUTCOME_CODES)[number] | StatusCode | UpstreamCode;

type Snake<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}_${Snake<Tail>}` : S;

/** The code of a kind of finding (`lock-failed` → `LOCK_FAILED`): it must be in a set to compile. */
export function kindCode<Kind extends string>(kind: Kind): Uppercase<Snake<Kind>> {
  return kind.toUpperCase().replace(/-/g, "_") as Uppercase<Snake<Kind>>;
}

/** Why a person may not do something, in both sets: the API answers it and the workflow records it. */
export type RefusalCode = Extract<ErrorCode, (typeof OUTCOME_CODES)[number]>;

/** Marks a code an upstream service gave (see UpstreamCode). */
export function upstreamCode(code: string): UpstreamCode {
  return code as UpstreamCode;
}
