// What a window run writes down: the request's audit chain, its status, its notifications. Before
// opening, a record that cannot be written fails the run (no access without a record); once
// opening has been attempted the close matters more than the record of it, so failures are
// contained: what could not be written is kept back and written once the cluster is locked.
import type { OutcomeCode } from "../../domain/codes.js";
import type { OrchestrationContext, RetryOptions } from "durable-functions";
import type { AuditEntry, AuditEventType, AuditFields } from "../../domain/audit.js";
import { requestAuditEntry, streamGenesis } from "../../domain/auditChain.js";
import type { NotificationEvent, NotificationFacts } from "../../domain/notifications.js";
import type { Approval, Person, RequestOutcome, RequestProgress } from "../../domain/request.js";
import { ACTION_ID_DETAIL } from "../../domain/actions.js";
import type { EvidencePlan } from "../../domain/evidence.js";
import type { LockdownResume, RequestAction, WindowRequest } from "../../ports/workflowClient.js";
import type { Activities } from "../contracts.js";
import { call, failureSummary, RETRY, type Step } from "./calls.js";

/** What every step of a window run works with. */
export interface WindowRun {
  readonly context: OrchestrationContext;
  readonly request: WindowRequest;
  readonly record: WindowRecorder;
  /** How the closed window's evidence is collected; undefined: not at all (the workflow's input has no plan). */
  readonly evidence: EvidencePlan | undefined;
}

/** The part of a resume that the recorder carries across executions. */
export type RecordResume = Pick<LockdownResume, "auditSequence" | "auditPrevHash" | "approvals" | "unwritten">;

export class WindowRecorder {
  private auditSequence: number;
  /** The hash the next audit entry chains to. */
  private auditPrevHash: string;
  /** The approvals counted so far, which every notification reports. */
  approvals: readonly Approval[];
  /** Audit entries that could not be written yet; written again once the cluster is locked. */
  private unwritten: AuditEntry[];
  /** The latest status that could not be recorded (each carries the whole state, so one is enough). */
  private unrecorded: RequestProgress | undefined;
  /** Set once opening has been attempted: from then on a failed write is logged and skipped, not thrown. */
  private containing: boolean;

  constructor(
    private readonly context: OrchestrationContext,
    private readonly request: WindowRequest,
    resume: RecordResume | undefined,
  ) {
    this.auditSequence = resume?.auditSequence ?? 0;
    this.auditPrevHash = resume?.auditPrevHash ?? streamGenesis(request.id);
    this.approvals = resume?.approvals ?? [];
    this.unwritten = [...(resume?.unwritten ?? [])];
    this.containing = resume !== undefined;
  }

  /** From now on, a failure to record must not stop the run. */
  containFailures(): void {
    this.containing = true;
  }

  /** What the next execution needs to go on recording where this one stopped. */
  resume(): RecordResume {
    return {
      auditSequence: this.auditSequence,
      auditPrevHash: this.auditPrevHash,
      approvals: this.approvals,
      unwritten: this.unwritten,
    };
  }

  now(): Date {
    return this.context.df.currentUtcDateTime;
  }

  outcome(code: OutcomeCode, message: string, by?: Person): RequestOutcome {
    return { code, message, at: this.now().toISOString(), ...(by ? { by } : {}) };
  }

  /** `actionId`: the action whose fate the entry records, which it is tagged with (docs/design.md §8.8). */
  *audit(
    type: AuditEventType,
    { actionId, ...fields }: Partial<AuditFields> & Pick<AuditFields, "outcome"> & { actionId?: string | undefined },
  ): Step<void> {
    const details = actionId ? { ...fields.details, [ACTION_ID_DETAIL]: actionId } : fields.details;
    const entry = requestAuditEntry(this.request.id, this.auditSequence++, this.auditPrevHash, {
      type,
      at: this.now().toISOString(),
      actor: fields.actor ? { oid: fields.actor.oid, upn: fields.actor.upn } : null,
      cluster: this.request.cluster.id,
      outcome: fields.outcome,
      ...(fields.code ? { code: fields.code } : {}),
      ...(fields.message ? { message: fields.message } : {}),
      ...(details ? { details } : {}),
    });
    this.auditPrevHash = entry.hash;
    let result: Activities["appendAuditEntry"]["output"] | undefined;
    try {
      result = yield* this.bookkeeping("appendAuditEntry", entry);
    } catch (error) {
      // Its sequence number is spent: kept, so that the workflow's failure path writes it after all
      // rather than leave a gap that reads as a deletion.
      this.unwritten.push(entry);
      throw error;
    }
    if (result === undefined && this.containing) this.unwritten.push(entry);
    if (result?.kind === "conflict")
      this.log(`audit entry ${entry.stream}/${entry.key} conflicts with a stored one; kept the stored one`);
  }

  /** An action the workflow does not take into account, and why (`event-ignored`, tagged with the action). */
  *ignore(action: RequestAction, code: OutcomeCode, message?: string): Step<void> {
    yield* this.audit("event-ignored", {
      actor: action.actor,
      actionId: action.id,
      outcome: "refused",
      code,
      ...(message ? { message } : {}),
    });
  }

  *progress(change: Omit<RequestProgress, "at">): Step<void> {
    const progress: RequestProgress = { ...change, at: this.now().toISOString() };
    this.context.df.setCustomStatus({ status: progress.status });
    const result = yield* this.bookkeeping("recordRequestProgress", { requestId: this.request.id, progress });
    if (result === undefined && this.containing) this.unrecorded = progress;
    else if (result !== undefined) this.unrecorded = undefined;
    if (result === "illegal") this.log(`refused to move request ${this.request.id} to ${progress.status}`);
  }

  /** Notifications never fail the workflow; a failed delivery is audited. */
  *notify(
    event: NotificationEvent,
    extra: Omit<NotificationFacts, "event" | "request" | "at" | "approvals"> = {},
  ): Step<void> {
    let failures: string[];
    try {
      const result = yield* call(this.context, "sendNotification", {
        event,
        request: this.request,
        at: this.now().toISOString(),
        approvals: this.approvals,
        ...extra,
      });
      failures = result.deliveries
        .filter((delivery) => !delivery.ok)
        .map((d) => `${d.channel}: ${d.error ?? "failed"}`);
    } catch (error) {
      failures = [failureSummary(error)];
    }
    if (failures.length) {
      yield* this.audit("notification-failed", {
        outcome: "failure",
        code: "NOTIFICATION_FAILED",
        message: failures.join("; "),
        details: { notification: event },
      });
    } else if (event === "approval-requested") {
      yield* this.audit("approvers-notified", { outcome: "success" });
    }
  }

  /** What a storage outage kept back, now that the cluster is safe: retried in full. */
  *writeWhatWasKeptBack(retry: RetryOptions = RETRY.bookkeeping): Step<void> {
    const entries = this.unwritten;
    this.unwritten = [];
    for (const entry of entries) {
      try {
        yield* call(this.context, "appendAuditEntry", entry, retry);
      } catch (error) {
        this.log(`audit entry ${entry.stream}/${entry.key} is lost: ${failureSummary(error)}`);
      }
    }
    const progress = this.unrecorded;
    this.unrecorded = undefined;
    if (!progress) return;
    try {
      yield* call(this.context, "recordRequestProgress", { requestId: this.request.id, progress }, retry);
    } catch (error) {
      this.log(`status ${progress.status} could not be recorded: ${failureSummary(error)}`);
    }
  }

  /** Records in the index where the trail ends, so that removing its last entries later is detected. */
  *closeAuditTrail(): Step<void> {
    try {
      yield* call(
        this.context,
        "closeAuditTrail",
        { requestId: this.request.id, head: { entries: this.auditSequence, hash: this.auditPrevHash } },
        RETRY.closing,
      );
    } catch (error) {
      this.log(`could not record the head of the audit trail: ${failureSummary(error)}`);
    }
  }

  /**
   * Audit and status writes, retried. Before opening, a write that keeps failing fails the
   * workflow. After, it gets one quick retry and is then skipped (the caller keeps it back).
   */
  private *bookkeeping<N extends "appendAuditEntry" | "recordRequestProgress">(
    name: N,
    input: Activities[N]["input"],
  ): Step<Activities[N]["output"] | undefined> {
    try {
      return yield* call(this.context, name, input, this.containing ? RETRY.contained : RETRY.bookkeeping);
    } catch (error) {
      if (!this.containing) throw error;
      this.log(`${name} failed after retries, continuing: ${failureSummary(error)}`);
      return undefined;
    }
  }

  private log(message: string): void {
    if (!this.context.df.isReplaying) this.context.warn(`[${this.request.id}] ${message}`);
  }
}
