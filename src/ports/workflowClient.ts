// What the app starts orchestrations with and sends them. These shapes cross a Durable Functions
// boundary as JSON, so they are plain data; the workflow validates what it receives against them.
import type { OutcomeCode } from "../domain/codes.js";
import type { AuditEntry } from "../domain/audit.js";
import type { EvidencePlan } from "../domain/evidence.js";
import type { GroupWatchInput } from "../domain/groupWatch.js";
import type { NotifiedRequest } from "../domain/notifications.js";
import type { Approval, EmergencyRequest, Person, WindowTimes } from "../domain/request.js";

/** What the orchestration is started with: the request as it was accepted. */
export type WindowRequest = NotifiedRequest &
  Pick<EmergencyRequest, "durationMs" | "maxDurationMs"> & {
    /** How long approvers have to decide an extension (the policy when the request was made). */
    readonly approvalTimeoutMs: number;
  };

/** Why a window is being closed. */
export type CloseReason =
  | { readonly kind: "deadline" }
  /** `actionId`: the close action's, absent for closes sent before actions had ids. */
  | { readonly kind: "closed"; readonly by: Person; readonly actionId?: string }
  /** `enablingAt`: when enabling began, set for workflows with an evidence plan (whose step needs it). */
  | {
      readonly kind: "enable-failed";
      readonly code: OutcomeCode;
      readonly message: string;
      readonly enablingAt?: string;
    };

/** Where a workflow that continued as new (a long lockdown) picks up again. */
export interface LockdownResume {
  readonly auditSequence: number;
  /** The hash of the last audit entry, which the next one chains to. */
  readonly auditPrevHash: string;
  readonly unwritten: readonly AuditEntry[];
  readonly approvals: readonly Approval[];
  readonly window?: WindowTimes;
  readonly reason: CloseReason;
  readonly attempts: number;
  readonly escalated: boolean;
}

export interface WindowWorkflowInput extends WindowRequest {
  readonly resume?: LockdownResume;
  /**
   * How the closed window's evidence is collected; absent when BREAKGLASS_EVIDENCE is off and in
   * the input of every workflow started before evidence existed, which then runs (and replays)
   * exactly as it did. Carried into a continued execution with the rest of the input.
   */
  readonly evidence?: EvidencePlan;
}

/**
 * Sent by the HTTP layer after it has authenticated and authorized the actor. `id` names its
 * receipt: the workflow tags the audit entry it writes for the action with it (actions sent
 * before receipts existed have none).
 */
export type RequestAction = { readonly id?: string; readonly actor: Person; readonly at: string } & (
  | { readonly type: "approve" }
  | { readonly type: "deny"; readonly reason?: string }
  | { readonly type: "close" }
  | { readonly type: "extend"; readonly duration: string }
);

/** Where an orchestration stands, as Durable Functions reports it. */
export type WorkflowStatus = "running" | "completed" | "failed" | "terminated" | "not-found";

/** Starting, steering and asking after emergency-window orchestrations (Durable Functions in production). */
export interface WorkflowClient {
  /** Starts the orchestration for a request; its instance id is the request id. */
  startWindow(input: WindowWorkflowInput): Promise<void>;
  /** Delivers an approval, denial, close or extension. An orchestration that already ended ignores it. */
  sendAction(requestId: string, action: RequestAction): Promise<void>;
  status(requestId: string): Promise<WorkflowStatus>;
  /** Starts one group-watch run in the background, under the given (unique) instance id. */
  startGroupWatch(instanceId: string, input: GroupWatchInput): Promise<void>;
}
