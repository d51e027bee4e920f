// Every way a request ends, in one table: the status it is left in, the audit entry, the
// notification, and the outcome it reports.
import type { OutcomeCode } from "../../domain/codes.js";
import type { AuditEventType, AuditOutcome } from "../../domain/audit.js";
import type { RequestStatus } from "../../domain/lifecycle.js";
import type { NotificationEvent, NotifiedEvidence } from "../../domain/notifications.js";
import type { Person, RequestOutcome, RequestProgress } from "../../domain/request.js";
import type { WindowWorkflowOutput } from "../contracts.js";
import type { Step } from "./calls.js";
import type { WindowRecorder } from "./recorder.js";

/**
 * What each ending needs to say how the request ended. The three endings after a close are the
 * reasons for it (a CloseReason is an Ending): "closed" is a window someone closed early.
 */
interface EndingFacts {
  readonly expired: object;
  readonly denied: {
    readonly by: Person;
    readonly reason?: string | undefined;
    readonly actionId?: string | undefined;
  };
  readonly withdrawn: { readonly by: Person; readonly actionId?: string | undefined };
  readonly "requester-ineligible": { readonly code: OutcomeCode; readonly message: string };
  readonly "workflow-error": { readonly failure: string };
  readonly "enable-failed": { readonly code: OutcomeCode; readonly message: string };
  readonly deadline: object;
  readonly closed: { readonly by: Person };
}

export type EndingKind = keyof EndingFacts;

export type Ending<Kind extends EndingKind = EndingKind> = {
  [K in Kind]: { readonly kind: K } & EndingFacts[K];
}[Kind];

/** Where an ending is recorded. */
interface Recorded {
  readonly status: RequestStatus;
  readonly audit: AuditEventType;
  readonly auditOutcome: AuditOutcome;
  /** None when the workflow itself failed: there is nothing to tell that the status does not show. */
  readonly notification?: NotificationEvent;
}

/**
 * What the outcome says; `by`, who ended it (also the audit entry's actor); `actionId`, the action
 * that ended it, when the ending's entry is where that action is taken (a close is tagged where it
 * is taken, close-requested, not again once the window has closed).
 */
interface Said {
  readonly code: OutcomeCode;
  readonly message: string;
  readonly by?: Person;
  readonly actionId?: string | undefined;
}

interface EndingRow<Kind extends EndingKind> {
  readonly recorded: Recorded;
  readonly outcome: (ending: Ending<Kind>) => Said;
}

const named = (person: Person) => `${person.displayName} (${person.upn})`;

const ENDINGS: { readonly [Kind in EndingKind]: EndingRow<Kind> } = {
  expired: {
    recorded: { status: "expired", audit: "expired", auditOutcome: "info", notification: "expired" },
    outcome: () => ({ code: "APPROVAL_TIMEOUT", message: "no decision before the approval deadline" }),
  },
  denied: {
    recorded: { status: "denied", audit: "denied", auditOutcome: "info", notification: "denied" },
    outcome: ({ by, reason, actionId }) => ({
      code: "DENIED",
      message: `denied by ${named(by)}${reason ? `: ${reason}` : ""}`,
      by,
      actionId,
    }),
  },
  withdrawn: {
    recorded: { status: "closed", audit: "withdrawn", auditOutcome: "info", notification: "withdrawn" },
    outcome: ({ by, actionId }) => ({
      code: "WITHDRAWN",
      message: `withdrawn by ${named(by)} before any window opened`,
      by,
      actionId,
    }),
  },
  "requester-ineligible": {
    recorded: { status: "failed", audit: "requester-ineligible", auditOutcome: "failure", notification: "failed" },
    outcome: ({ code, message }) => ({ code, message: `the requester may no longer open a window: ${message}` }),
  },
  "workflow-error": {
    recorded: { status: "failed", audit: "failed", auditOutcome: "failure" },
    outcome: ({ failure }) => ({
      code: "WORKFLOW_ERROR",
      message: `the workflow failed before any change to the cluster: ${failure}`,
    }),
  },
  "enable-failed": {
    recorded: { status: "failed", audit: "failed", auditOutcome: "failure", notification: "failed" },
    outcome: ({ code, message }) => ({ code, message: `local accounts could not be enabled: ${message}` }),
  },
  deadline: {
    recorded: { status: "closed", audit: "closed", auditOutcome: "success", notification: "closed" },
    outcome: () => ({ code: "WINDOW_ENDED", message: "the window reached its deadline" }),
  },
  closed: {
    recorded: { status: "closed", audit: "closed", auditOutcome: "success", notification: "closed" },
    outcome: ({ by }) => ({ code: "CLOSED_EARLY", message: `closed early by ${named(by)}`, by }),
  },
};

/** How a window that was open ended: when it closed, and how many others keep local accounts enabled. */
export interface ClosedWindow extends Pick<RequestProgress, "window"> {
  readonly otherWindows?: number;
}

/** The status and outcome an ending leaves the request in, as of now. */
export function endingState<Kind extends EndingKind>(
  record: WindowRecorder,
  ending: Ending<Kind>,
): { readonly status: RequestStatus; readonly outcome: RequestOutcome } {
  const row = ENDINGS[ending.kind];
  const { code, message, by } = row.outcome(ending);
  return { status: row.recorded.status, outcome: record.outcome(code, message, by) };
}

/** What the closing notification adds once the evidence is in: the outcome already recorded, and the evidence. */
export interface AfterEvidence {
  readonly outcome: RequestOutcome;
  readonly evidence: NotifiedEvidence;
}

/**
 * Records how the request ended: audit, status, notification. `after`: the status was recorded
 * before the evidence was collected, so it is recorded again with the same outcome (a repeat the
 * store recognises), and the notification tells the evidence.
 */
export function* end<Kind extends EndingKind>(
  record: WindowRecorder,
  ending: Ending<Kind>,
  closed: ClosedWindow = {},
  after?: AfterEvidence,
): Step<WindowWorkflowOutput> {
  const row = ENDINGS[ending.kind];
  const { recorded } = row;
  const { code, message, by, actionId } = row.outcome(ending);
  const outcome = after?.outcome ?? record.outcome(code, message, by);
  const { otherWindows, ...progress } = closed;
  yield* record.audit(recorded.audit, {
    actor: by ?? null,
    actionId,
    outcome: recorded.auditOutcome,
    code,
    message,
    ...(otherWindows ? { details: { otherWindows } } : {}),
  });
  yield* record.progress({ status: recorded.status, outcome, ...progress });
  if (recorded.notification) {
    yield* record.notify(recorded.notification, {
      outcome,
      ...progress,
      ...(otherWindows ? { otherWindows } : {}),
      ...(after ? { evidence: after.evidence } : {}),
    });
  }
  return { status: recorded.status, outcome };
}
