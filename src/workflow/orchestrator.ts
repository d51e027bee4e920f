// The emergency-window orchestration (DESIGN §2). It runs under Durable Functions replay, so
// everything here is deterministic: time is context.df.currentUtcDateTime, every wait gets a
// new timer and the losing timer is cancelled, and all I/O happens in activities.
//
// The shape of a run: audit + notify → wait for approvals / deny / withdraw / timeout →
// re-check the requester → enable local accounts → wait for the deadline or a close →
// disable local accounts. Once enabling has been attempted, nothing may skip the disable:
// bookkeeping failures after that point are logged and swallowed, never thrown past it.
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler, RetryOptions, Task } from "durable-functions";
import { requestAuditEntry, type AuditEventType, type AuditFields } from "../domain/audit.js";
import type { NotificationEvent } from "../domain/notifications.js";
import { decideApproval } from "../domain/policy.js";
import type { RequestStatus } from "../domain/lifecycle.js";
import type { Approval, Person, RequestOutcome, RequestProgress, WindowTimes } from "../domain/request.js";
import {
  REQUEST_ACTION_EVENT,
  requestActionSchema,
  type ActivityName,
  type Activities,
  type EnsureLocalAccountsResult,
  type RequestAction,
  type WindowWorkflowInput,
  type WindowWorkflowOutput,
} from "./contracts.js";

type Step<T> = Generator<Task, T, unknown>;

function retryOptions(firstMs: number, attempts: number, maxIntervalMs: number): RetryOptions {
  const options = new df.RetryOptions(firstMs, attempts);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = maxIntervalMs;
  return options;
}

/** Retry policies for activities that throw transient errors. */
export const RETRY = {
  /** Audit and status writes: storage hiccups. About a minute in all. */
  bookkeeping: retryOptions(2_000, 6, 30_000),
  /** Enabling: fail within about two minutes so that humans know quickly to try another way. */
  enable: retryOptions(10_000, 5, 60_000),
  /** Disabling: keep trying for about twenty minutes before raising the alarm. */
  disable: retryOptions(15_000, 8, 300_000),
} as const;

type Decision =
  | { readonly kind: "approved" }
  | { readonly kind: "expired" }
  | { readonly kind: "denied"; readonly action: Extract<RequestAction, { type: "deny" }> }
  | { readonly kind: "withdrawn"; readonly action: Extract<RequestAction, { type: "close" }> };

type WindowEnd = { readonly kind: "deadline" } | { readonly kind: "closed"; readonly by: Person };

type Lockdown = { readonly locked: true } | { readonly locked: false; readonly code: string; readonly message: string };

class WindowRun {
  private auditSequence = 0;
  private approvals: readonly Approval[] = [];
  /**
   * Set once enabling has been attempted: from then on a bookkeeping failure must not stop the
   * lockdown, so it is logged and skipped instead of thrown.
   */
  private containFailures = false;

  constructor(
    private readonly context: OrchestrationContext,
    private readonly request: WindowWorkflowInput,
  ) {}

  *execute(): Step<WindowWorkflowOutput> {
    try {
      return yield* this.run();
    } catch (error) {
      // Only failures before enabling reach here (later ones are contained), so nothing is open.
      const outcome = this.outcome("WORKFLOW_ERROR", `the workflow failed before any change to the cluster: ${describe(error)}`);
      this.containFailures = true; // record what we still can, and never throw again
      yield* this.audit("failed", { outcome: "failure", code: outcome.code, message: outcome.message });
      yield* this.progress({ status: "failed", outcome });
      return { status: "failed", outcome };
    }
  }

  private *run(): Step<WindowWorkflowOutput> {
    const { requester } = this.request;
    yield* this.audit("requested", {
      actor: requester,
      outcome: "info",
      details: { justification: this.request.justification, ticket: this.request.ticket, duration: this.request.duration },
    });
    yield* this.notify("approval-requested");

    const decision = yield* this.awaitDecision();
    switch (decision.kind) {
      case "expired":
        return yield* this.end("expired", "expired", "expired", this.outcome("APPROVAL_TIMEOUT", "no decision before the approval deadline"));
      case "denied": {
        const { actor, reason } = decision.action;
        const message = `denied by ${actor.displayName} (${actor.upn})${reason ? `: ${reason}` : ""}`;
        return yield* this.end("denied", "denied", "denied", this.outcome("DENIED", message, actor), actor);
      }
      case "withdrawn": {
        const { actor } = decision.action;
        const message = `withdrawn by ${actor.displayName} (${actor.upn}) before any window opened`;
        return yield* this.end("closed", "withdrawn", "withdrawn", this.outcome("WITHDRAWN", message, actor), actor);
      }
      case "approved":
        return yield* this.openWindow();
    }
  }

  /** Waits until enough distinct approvers approved, someone denied or withdrew, or the deadline passed. */
  private *awaitDecision(): Step<Decision> {
    const deadline = new Date(this.request.approvalDeadline);
    for (;;) {
      const action = yield* this.nextAction(deadline);
      if (action === undefined) return { kind: "expired" };
      if (action.type === "deny") return { kind: "denied", action };
      if (action.type === "close") return { kind: "withdrawn", action };
      const approval: Approval = { approver: action.actor, at: action.at };
      const counted = decideApproval(this.approvals, approval, this.request.requester, this.request.requiredApprovals);
      if (counted.kind !== "recorded") {
        const code = counted.kind === "self-approval" ? "SELF_APPROVAL" : "DUPLICATE_APPROVAL";
        yield* this.audit("approval-ignored", { actor: action.actor, outcome: "refused", code });
        continue;
      }
      this.approvals = counted.approvals;
      yield* this.audit("approval-recorded", {
        actor: action.actor,
        outcome: "success",
        details: { approvals: counted.approvals.length, required: this.request.requiredApprovals },
      });
      yield* this.progress({ status: "pending-approval", approvals: this.approvals });
      if (counted.complete) return { kind: "approved" };
    }
  }

  private *openWindow(): Step<WindowWorkflowOutput> {
    const { requester } = this.request;
    yield* this.audit("approved", {
      outcome: "success",
      details: { approvers: this.approvals.map((approval) => approval.approver.upn).join(",") },
    });

    // Membership may have changed since the request was made; ask again before opening.
    const eligibility = yield* this.call("checkRequesterEligible", { requester }, RETRY.bookkeeping);
    if (!eligibility.eligible) {
      const outcome = this.outcome(eligibility.code, `the requester may no longer open a window: ${eligibility.message}`);
      return yield* this.end("failed", "requester-ineligible", "failed", outcome);
    }

    yield* this.progress({ status: "opening" });
    yield* this.audit("enabling", { outcome: "info" });
    this.containFailures = true;
    const enabled = yield* this.ensureLocalAccounts(true, RETRY.enable);
    if (enabled.kind === "refused") {
      yield* this.audit("enable-failed", { outcome: "failure", code: enabled.code, message: enabled.message });
      // The write may have landed even though it was reported as failed; make sure nothing stays open.
      const lockdown = yield* this.lockDown();
      const outcome = this.outcome(enabled.code, `local accounts could not be enabled: ${enabled.message}`);
      if (!lockdown.locked) return yield* this.lockdownFailed(lockdown, undefined);
      return yield* this.end("failed", "failed", "failed", outcome);
    }

    const openedAt = this.now();
    const window: WindowTimes = {
      openedAt: openedAt.toISOString(),
      closesAt: new Date(openedAt.getTime() + this.request.durationMs).toISOString(),
    };
    yield* this.progress({ status: "open", window });
    yield* this.audit("opened", { outcome: "success", details: { closesAt: window.closesAt, change: enabled.kind } });
    yield* this.notify("opened", { window });

    const end = yield* this.awaitWindowEnd(new Date(window.closesAt));
    if (end.kind === "deadline") yield* this.audit("deadline-reached", { outcome: "info" });
    else yield* this.audit("close-requested", { actor: end.by, outcome: "info" });
    yield* this.progress({ status: "closing" });

    const lockdown = yield* this.lockDown();
    const closed: WindowTimes = { ...window, closedAt: this.now().toISOString() };
    if (!lockdown.locked) return yield* this.lockdownFailed(lockdown, closed);
    const outcome =
      end.kind === "deadline"
        ? this.outcome("WINDOW_ENDED", "the window reached its deadline")
        : this.outcome("CLOSED_EARLY", `closed early by ${end.by.displayName} (${end.by.upn})`, end.by);
    return yield* this.end("closed", "closed", "closed", outcome, null, { window: closed });
  }

  /** Waits for a close or the deadline; other actions arriving now are too late and only audited. */
  private *awaitWindowEnd(closesAt: Date): Step<WindowEnd> {
    for (;;) {
      const action = yield* this.nextAction(closesAt);
      if (action === undefined) return { kind: "deadline" };
      if (action.type === "close") return { kind: "closed", by: action.actor };
      yield* this.audit("event-ignored", { actor: action.actor, outcome: "refused", code: "NOT_PENDING" });
    }
  }

  /**
   * The next valid action, or undefined once `deadline` passes. A fresh timer per wait, and the
   * losing one cancelled, as the replay engine requires; malformed events are audited and skipped.
   */
  private *nextAction(deadline: Date): Step<RequestAction | undefined> {
    for (;;) {
      const timer = this.context.df.createTimer(deadline);
      const event = this.context.df.waitForExternalEvent(REQUEST_ACTION_EVENT);
      const winner = yield this.context.df.Task.any([event, timer]);
      if (winner === timer) return undefined;
      timer.cancel();
      const parsed = requestActionSchema.safeParse(event.result);
      if (parsed.success) return parsed.data;
      yield* this.audit("event-ignored", { outcome: "refused", code: "MALFORMED_EVENT" });
    }
  }

  /** Disables local accounts, retrying; reports instead of throwing so the caller can raise the alarm. */
  private *lockDown(): Step<Lockdown> {
    yield* this.audit("locking", { outcome: "info" });
    const disabled = yield* this.ensureLocalAccounts(false, RETRY.disable);
    if (disabled.kind === "refused") {
      yield* this.audit("lockdown-failed", { outcome: "failure", code: disabled.code, message: disabled.message });
      return { locked: false, code: disabled.code, message: disabled.message };
    }
    yield* this.audit("locked", { outcome: "success", details: { change: disabled.kind } });
    return { locked: true };
  }

  private *lockdownFailed(lockdown: Extract<Lockdown, { locked: false }>, window: WindowTimes | undefined): Step<WindowWorkflowOutput> {
    const outcome = this.outcome(lockdown.code, `local accounts could not be disabled: ${lockdown.message}`);
    yield* this.progress({ status: "lockdown-failed", outcome, ...(window ? { window } : {}) });
    yield* this.notify("lockdown-failed", { outcome, ...(window ? { window } : {}) });
    return { status: "lockdown-failed", outcome };
  }

  /** Brings local accounts to the wanted state; retry exhaustion becomes a refusal. */
  private *ensureLocalAccounts(enabled: boolean, retry: RetryOptions): Step<EnsureLocalAccountsResult> {
    try {
      return yield* this.call("ensureLocalAccounts", { cluster: this.request.cluster, enabled }, retry);
    } catch (error) {
      return { kind: "refused", code: "RETRIES_EXHAUSTED", message: describe(error) };
    }
  }

  /** Records how the request ended: audit, status, notification. */
  private *end(
    status: RequestStatus,
    auditType: AuditEventType,
    notification: NotificationEvent,
    outcome: RequestOutcome,
    actor: Person | null = null,
    extra: Pick<RequestProgress, "window"> = {},
  ): Step<WindowWorkflowOutput> {
    yield* this.audit(auditType, {
      actor,
      outcome: status === "failed" ? "failure" : status === "closed" && outcome.code !== "WITHDRAWN" ? "success" : "info",
      code: outcome.code,
      message: outcome.message,
    });
    yield* this.progress({ status, outcome, ...extra });
    yield* this.notify(notification, { outcome, ...extra });
    return { status, outcome };
  }

  private *audit(type: AuditEventType, fields: Partial<AuditFields> & Pick<AuditFields, "outcome">): Step<void> {
    const entry = requestAuditEntry(this.request.id, this.auditSequence++, {
      type,
      at: this.now().toISOString(),
      actor: fields.actor ? { oid: fields.actor.oid, upn: fields.actor.upn } : null,
      cluster: this.request.cluster.id,
      outcome: fields.outcome,
      ...(fields.code ? { code: fields.code } : {}),
      ...(fields.message ? { message: fields.message } : {}),
      ...(fields.details ? { details: fields.details } : {}),
    });
    const result = yield* this.bookkeeping("appendAuditEntry", entry);
    if (result?.kind === "conflict") this.log(`audit entry ${entry.stream}/${entry.key} conflicts with a stored one; kept the stored one`);
  }

  private *progress(change: Omit<RequestProgress, "at">): Step<void> {
    const progress: RequestProgress = { ...change, at: this.now().toISOString() };
    this.context.df.setCustomStatus({ status: progress.status });
    const result = yield* this.bookkeeping("recordRequestProgress", { requestId: this.request.id, progress });
    if (result === "illegal") this.log(`refused to move request ${this.request.id} to ${progress.status}`);
  }

  /** Notifications never fail the workflow; a failed delivery is audited. */
  private *notify(event: NotificationEvent, extra: { window?: WindowTimes; outcome?: RequestOutcome } = {}): Step<void> {
    let failures: string[];
    try {
      const result = yield* this.call("sendNotification", {
        event,
        request: this.request,
        at: this.now().toISOString(),
        approvals: this.approvals,
        ...extra,
      });
      failures = result.deliveries.filter((delivery) => !delivery.ok).map((d) => `${d.channel}: ${d.error ?? "failed"}`);
    } catch (error) {
      failures = [describe(error)];
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

  /**
   * Audit and status writes, retried. Before enabling, a write that keeps failing fails the
   * workflow (no access without a record). After, it is logged and skipped: the lockdown matters more.
   */
  private *bookkeeping<N extends "appendAuditEntry" | "recordRequestProgress">(
    name: N,
    input: Activities[N]["input"],
  ): Step<Activities[N]["output"] | undefined> {
    try {
      return yield* this.call(name, input, RETRY.bookkeeping);
    } catch (error) {
      if (!this.containFailures) throw error;
      this.log(`${name} failed after retries, continuing: ${describe(error)}`);
      return undefined;
    }
  }

  private *call<N extends ActivityName>(name: N, input: Activities[N]["input"], retry?: RetryOptions): Step<Activities[N]["output"]> {
    const task = retry ? this.context.df.callActivityWithRetry(name, retry, input) : this.context.df.callActivity(name, input);
    return (yield task) as Activities[N]["output"];
  }

  private outcome(code: string, message: string, by?: Person): RequestOutcome {
    return { code, message, at: this.now().toISOString(), ...(by ? { by } : {}) };
  }

  private now(): Date {
    return this.context.df.currentUtcDateTime;
  }

  private log(message: string): void {
    if (!this.context.df.isReplaying) this.context.warn(`[${this.request.id}] ${message}`);
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Durable wraps activity failures as "<reason> \n <stack>"; the first line is the useful part.
  return message.split("\n")[0]!.trim().slice(0, 500);
}

export const emergencyWindowOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const request = context.df.getInput<WindowWorkflowInput>();
  return yield* new WindowRun(context, request).execute();
};
