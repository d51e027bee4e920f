// What became of each action people sent a request (docs/design.md §8.8). The API hands an action
// to the request's workflow after its own checks, but the workflow may have moved on meanwhile:
// an approval sent while someone else denied, an extension sent with a close. So every action gets
// an id and a receipt when it is handed over, the workflow tags the audit entry it writes for it
// with that id, and an action no workflow took is recorded as ignored by whoever finds it first
// (the API, when it finds the workflow ended; otherwise the sweep on the watchdog's timer).
import type { AuditEntry, AuditEventType } from "./audit.js";
import type { OutcomeCode, RefusalCode } from "./codes.js";
import type { RequestStatus } from "./lifecycle.js";
import type { Person } from "./request.js";

export type ActionType = "approve" | "deny" | "close" | "extend";

/** An action as it was handed to a request's workflow. */
export interface ActionReceipt {
  readonly id: string;
  readonly requestId: string;
  readonly type: ActionType;
  readonly actor: Person;
  /** When the API received it (also the action's `at`). */
  readonly at: string;
}

/** What became of an action: still on its way, taken into account, or ignored (and why). */
export type ActionFate =
  | { readonly result: "pending" }
  | { readonly result: "counted"; readonly at: string; readonly entry: number | undefined }
  | {
      readonly result: "ignored";
      readonly at: string;
      readonly entry: number | undefined;
      readonly code: OutcomeCode;
      readonly message: string;
    };

/** The audit entries in which the workflow takes an action into account; every other tagged entry ignores it. */
const COUNTING_ENTRIES: ReadonlySet<AuditEventType> = new Set([
  "approval-recorded",
  "denied",
  "withdrawn",
  "close-requested",
  "extension-requested",
  "extension-denied",
]);

/** The details key an audit entry names its action by. */
export const ACTION_ID_DETAIL = "actionId";

/** The id of the action an audit entry records, if it records one. */
export function actionIdOf(entry: AuditEntry): string | undefined {
  const id = entry.details?.[ACTION_ID_DETAIL];
  return typeof id === "string" ? id : undefined;
}

/** The fate of an action as a request's trail tells it: the first entry tagged with its id. */
export function fateInTrail(actionId: string, entries: readonly AuditEntry[]): ActionFate {
  const entry = entries.find((candidate) => actionIdOf(candidate) === actionId);
  if (!entry) return { result: "pending" };
  if (COUNTING_ENTRIES.has(entry.type)) return { result: "counted", at: entry.at, entry: entry.sequence };
  return {
    result: "ignored",
    at: entry.at,
    entry: entry.sequence,
    code: entry.code ?? "NOT_PENDING",
    message: entry.message ?? IGNORED_BY_WORKFLOW,
  };
}

const IGNORED_BY_WORKFLOW = "the request's workflow did not take it into account";

interface LateReason {
  readonly code: Extract<RefusalCode, `ALREADY_${string}` | "WORKFLOW_ENDED">;
  readonly after: string;
}

/** Why an action that reached no running workflow was not taken into account, by where the request stands. */
const LATE_REASONS: Readonly<Record<RequestStatus, LateReason>> = {
  denied: { code: "ALREADY_DENIED", after: "after the request was denied" },
  expired: { code: "ALREADY_EXPIRED", after: "after the request's approval deadline passed" },
  closed: { code: "ALREADY_CLOSED", after: "after the request was closed" },
  closing: { code: "ALREADY_CLOSED", after: "after the window was being closed" },
  "lockdown-failed": { code: "ALREADY_CLOSED", after: "after the window was being closed" },
  failed: { code: "ALREADY_FAILED", after: "after the request had failed" },
  "pending-approval": { code: "WORKFLOW_ENDED", after: "after the request's workflow had stopped" },
  opening: { code: "WORKFLOW_ENDED", after: "after the request's workflow had stopped" },
  open: { code: "WORKFLOW_ENDED", after: "after the request's workflow had stopped" },
};

const ACTION_NOUNS: Readonly<Record<ActionType, string>> = {
  approve: "approval",
  deny: "denial",
  close: "close",
  extend: "extension request",
};

/** The refusal recorded for an action that arrived when its request's workflow no longer ran. */
export function lateActionRefusal(
  receipt: Pick<ActionReceipt, "type">,
  status: RequestStatus,
  outcome?: { readonly message: string },
): { readonly code: LateReason["code"]; readonly message: string } {
  const reason = LATE_REASONS[status];
  const why = outcome ? ` (${outcome.message})` : "";
  return {
    code: reason.code,
    message: `this ${ACTION_NOUNS[receipt.type]} arrived ${reason.after}${why} and was not counted`,
  };
}

/** One actor's last action on a request and what became of it, as GET /api/requests/{id} shows it. */
export interface LastAction {
  readonly actor: Person;
  readonly id: string;
  readonly type: ActionType;
  readonly at: string;
  readonly fate: ActionFate;
}

/** Each actor's last action (by oid), oldest first, with its fate as the trail tells it. */
export function lastActions(receipts: readonly ActionReceipt[], entries: readonly AuditEntry[]): LastAction[] {
  const byArrival = (a: ActionReceipt, b: ActionReceipt) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id);
  const latest = new Map<string, ActionReceipt>();
  for (const receipt of [...receipts].sort(byArrival)) latest.set(receipt.actor.oid.toLowerCase(), receipt);
  return [...latest.values()].sort(byArrival).map((receipt) => ({
    actor: receipt.actor,
    id: receipt.id,
    type: receipt.type,
    at: receipt.at,
    fate: fateInTrail(receipt.id, entries),
  }));
}

/** The JSON shape of a fate in the HTTP API: the entry it is recorded in, by sequence number. */
export function toFateView(fate: ActionFate) {
  if (fate.result === "pending") return { result: fate.result };
  const recorded = { result: fate.result, at: fate.at, ...(fate.entry === undefined ? {} : { entry: fate.entry }) };
  return fate.result === "counted" ? recorded : { ...recorded, code: fate.code, message: fate.message };
}

/** The JSON shape of an actor's last action in GET /api/requests/{id}. */
export function toLastActionView(last: LastAction) {
  return { actor: last.actor, id: last.id, type: last.type, at: last.at, ...toFateView(last.fate) };
}
