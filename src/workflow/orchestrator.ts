// The emergency-window orchestration (DESIGN §2). It runs under Durable Functions replay, so
// everything here is deterministic: time is context.df.currentUtcDateTime, every wait gets a
// new timer and the losing timers are cancelled, and all I/O happens in activities.
//
// The shape of a run: audit + notify → wait for approvals / deny / withdraw / timeout → re-check
// the requester → open the window on the cluster (register it, enable local accounts) → wait for
// the deadline, a close, or an approved extension → close the window (unregister it; disable
// local accounts if it was the last) → the certificate policy. Once opening has been attempted,
// nothing may skip the close: bookkeeping failures after that point are logged and swallowed, and
// the close itself is retried until it succeeds, continuing as new to keep the history bounded.
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler, RetryOptions, Task, TimerTask } from "durable-functions";
import type { CloseOutcome } from "../windows/clusterAccess.js";
import { type AuditEntry, type AuditEventType, type AuditFields } from "../domain/audit.js";
import { requestAuditEntry, streamGenesis } from "../domain/auditChain.js";
import type { CertificateOutcome } from "../domain/certificates.js";
import type { RequestStatus } from "../domain/lifecycle.js";
import type { NotificationEvent, NotificationFacts } from "../domain/notifications.js";
import { decideApproval, decideExtension } from "../domain/policy.js";
import type { Approval, Extension, Person, RequestOutcome, RequestProgress, WindowTimes } from "../domain/request.js";
import { retryDelay } from "../domain/retry.js";
import type {
  CloseReason,
  LockdownResume,
  RequestAction,
  WindowRequest,
  WindowWorkflowInput,
} from "../ports/workflowClient.js";
import {
  REQUEST_ACTION_EVENT,
  requestActionSchema,
  type ActivityName,
  type Activities,
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
  /** Audit and status writes, the directory: storage or Graph hiccups. About a minute in all. */
  bookkeeping: retryOptions(2_000, 6, 30_000),
  /** Certificate rotation (a long ARM operation). */
  rotation: retryOptions(60_000, 5, 10 * 60_000),
  /** Bookkeeping once opening was attempted: one quick retry, so that a storage outage cannot delay the lockdown. */
  contained: retryOptions(1_000, 2, 1_000),
  /**
   * Where the trail ended, recorded last (the cluster is long safe): patient, about 75 minutes,
   * because verification reads a request that ended hours ago without it as a cut trail.
   */
  closing: retryOptions(30_000, 12, 10 * 60_000),
} as const;

/** How long opening may keep failing (busy cluster, ARM errors) before the request fails. */
export const OPEN_BUDGET_MS = 10 * 60_000;
/** Failed lockdown attempts before the alarm goes out and the request shows lockdown-failed. */
export const ESCALATE_AFTER = 3;
/** Lockdown attempts per execution before continuing as new, so that the history stays bounded. */
export const ATTEMPTS_PER_EXECUTION = 10;

type Decision =
  | { readonly kind: "approved" }
  | { readonly kind: "expired" }
  | { readonly kind: "denied"; readonly action: Extract<RequestAction, { type: "deny" }> }
  | { readonly kind: "withdrawn"; readonly action: Extract<RequestAction, { type: "close" }> };

/** The lockdown loop's progress, carried across executions. */
interface LockdownState {
  attempts: number;
  escalated: boolean;
  lastError: string;
}

class WindowRun {
  private auditSequence: number;
  /** The hash the next audit entry chains to. */
  private auditPrevHash: string;
  private approvals: readonly Approval[];
  /** Audit entries that could not be written yet; written again once the cluster is locked. */
  private unwritten: AuditEntry[];
  /** The latest status that could not be recorded (each carries the whole state, so one is enough). */
  private unrecorded: RequestProgress | undefined;
  /**
   * Set once opening has been attempted: from then on a bookkeeping failure must not stop the
   * close, so it is logged and skipped instead of thrown.
   */
  private containFailures: boolean;

  constructor(
    private readonly context: OrchestrationContext,
    private readonly request: WindowRequest,
    resume: LockdownResume | undefined,
  ) {
    this.auditSequence = resume?.auditSequence ?? 0;
    this.auditPrevHash = resume?.auditPrevHash ?? streamGenesis(request.id);
    this.approvals = resume?.approvals ?? [];
    this.unwritten = [...(resume?.unwritten ?? [])];
    this.containFailures = resume !== undefined;
  }

  *execute(resume: LockdownResume | undefined): Step<WindowWorkflowOutput | undefined> {
    if (resume) {
      return yield* this.closeWindow(resume.reason, resume.window, {
        attempts: resume.attempts,
        escalated: resume.escalated,
        lastError: "",
      });
    }
    try {
      return yield* this.run();
    } catch (error) {
      // Only failures before opening reach here (later ones are contained), so nothing is open.
      const outcome = this.outcome(
        "WORKFLOW_ERROR",
        `the workflow failed before any change to the cluster: ${describe(error)}`,
      );
      this.containFailures = true; // record what we still can, and never throw again
      yield* this.audit("failed", { outcome: "failure", code: outcome.code, message: outcome.message });
      yield* this.progress({ status: "failed", outcome });
      return { status: "failed", outcome }; // what was kept back is written after the trail is closed
    }
  }

  private *run(): Step<WindowWorkflowOutput | undefined> {
    const { requester } = this.request;
    yield* this.audit("requested", {
      actor: requester,
      outcome: "info",
      details: {
        justification: this.request.justification,
        ticket: this.request.ticket,
        duration: this.request.duration,
      },
    });
    yield* this.notify("approval-requested");

    const decision = yield* this.awaitDecision();
    switch (decision.kind) {
      case "expired":
        return yield* this.end(
          "expired",
          "expired",
          "expired",
          this.outcome("APPROVAL_TIMEOUT", "no decision before the approval deadline"),
        );
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
    for (;;) {
      const next = yield* this.nextAction([new Date(this.request.approvalDeadline)]);
      if (next.kind === "timeout") return { kind: "expired" };
      const { action } = next;
      if (action.type === "deny") return { kind: "denied", action };
      if (action.type === "close") return { kind: "withdrawn", action };
      if (action.type === "extend") {
        yield* this.audit("event-ignored", { actor: action.actor, outcome: "refused", code: "NOT_OPEN" });
        continue;
      }
      const counted = yield* this.countApproval(this.approvals, action);
      if (!counted) continue;
      this.approvals = counted.approvals;
      yield* this.progress({ status: "pending-approval", approvals: this.approvals });
      if (counted.complete) return { kind: "approved" };
    }
  }

  /** Counts an approval (distinct approvers other than the requester), auditing either way. */
  private *countApproval(
    approvals: readonly Approval[],
    action: Extract<RequestAction, { type: "approve" }>,
    extension = false,
  ) {
    const counted = decideApproval(
      approvals,
      { approver: action.actor, at: action.at },
      this.request.requester,
      this.request.requiredApprovals,
    );
    if (counted.kind !== "recorded") {
      const code = counted.kind === "self-approval" ? "SELF_APPROVAL" : "DUPLICATE_APPROVAL";
      yield* this.audit("approval-ignored", {
        actor: action.actor,
        outcome: "refused",
        code,
        ...(extension ? { details: { extension: true } } : {}),
      });
      return undefined;
    }
    yield* this.audit("approval-recorded", {
      actor: action.actor,
      outcome: "success",
      details: {
        approvals: counted.approvals.length,
        required: this.request.requiredApprovals,
        ...(extension ? { extension: true } : {}),
      },
    });
    return counted;
  }

  private *openWindow(): Step<WindowWorkflowOutput | undefined> {
    yield* this.audit("approved", {
      outcome: "success",
      details: { approvers: this.approvals.map((approval) => approval.approver.upn).join(",") },
    });

    // Membership may have changed since the request was made; ask again before opening.
    const eligibility = yield* this.call(
      "checkRequesterEligible",
      { requester: this.request.requester },
      RETRY.bookkeeping,
    );
    if (!eligibility.eligible) {
      const outcome = this.outcome(
        eligibility.code,
        `the requester may no longer open a window: ${eligibility.message}`,
      );
      return yield* this.end("failed", "requester-ineligible", "failed", outcome);
    }

    yield* this.progress({ status: "opening" });
    yield* this.audit("enabling", { outcome: "info" });
    this.containFailures = true;
    const started = this.now().getTime();
    for (let attempt = 1; ; attempt++) {
      const opened = yield* this.callContained("openWindowOnCluster", {
        cluster: this.request.cluster,
        requestId: this.request.id,
        durationMs: this.request.durationMs,
      });
      if (opened.kind === "opened") {
        const window: WindowTimes = { openedAt: opened.openedAt, closesAt: opened.closesAt };
        yield* this.progress({ status: "open", window });
        yield* this.audit("opened", {
          outcome: "success",
          details: { closesAt: window.closesAt, change: opened.change },
        });
        yield* this.notify("opened", { window });
        const end = yield* this.awaitWindowEnd(window);
        return yield* this.closeWindow(end.reason, end.window, { attempts: 0, escalated: false, lastError: "" });
      }
      const outOfTime = this.now().getTime() - started >= OPEN_BUDGET_MS;
      if (opened.kind === "refused" || outOfTime) {
        const code = opened.kind === "refused" ? opened.code : "OPEN_TIMED_OUT";
        const message =
          opened.kind === "refused"
            ? opened.message
            : `${opened.message} (still failing after ${OPEN_BUDGET_MS / 60_000} minutes)`;
        yield* this.audit("enable-failed", { outcome: "failure", code, message });
        // The write may have landed even though it was reported as failed: close the window properly.
        return yield* this.closeWindow({ kind: "enable-failed", code, message }, undefined, {
          attempts: 0,
          escalated: false,
          lastError: "",
        });
      }
      yield* this.audit("enable-retry", {
        outcome: "failure",
        code: opened.code,
        message: opened.message,
        details: { attempt },
      });
      yield* this.sleep(retryDelay(attempt, opened.retryAfterMs, 10_000, 60_000));
    }
  }

  /** Waits for the deadline or a close; handles extensions (asked by the requester, approved like the window). */
  private *awaitWindowEnd(opened: WindowTimes): Step<{ reason: CloseReason; window: WindowTimes }> {
    let window = opened;
    let extension: Extension | undefined;
    for (;;) {
      const deadlines = [
        new Date(window.closesAt),
        ...(extension?.status === "pending" ? [new Date(extension.approvalDeadline)] : []),
      ];
      const next = yield* this.nextAction(deadlines);
      if (next.kind === "timeout") {
        if (next.index === 0) return { reason: { kind: "deadline" }, window };
        extension = { ...extension!, status: "expired" };
        yield* this.audit("extension-expired", { outcome: "info" });
        yield* this.progress({ status: "open", extension });
        yield* this.notify("extension-expired", {
          window,
          extension,
          outcome: this.outcome("EXTENSION_EXPIRED", "no decision before the extension's deadline"),
        });
        continue;
      }
      const { action } = next;
      if (action.type === "close") return { reason: { kind: "closed", by: action.actor }, window };
      if (action.type === "extend") {
        extension = (yield* this.requestExtension(action, window, extension)) ?? extension;
        continue;
      }
      if (extension?.status !== "pending") {
        yield* this.audit("event-ignored", { actor: action.actor, outcome: "refused", code: "NOT_PENDING" });
        continue;
      }
      if (action.type === "deny") {
        extension = { ...extension, status: "denied" };
        const outcome = this.outcome(
          "EXTENSION_DENIED",
          `extension denied by ${action.actor.displayName} (${action.actor.upn})${action.reason ? `: ${action.reason}` : ""}`,
          action.actor,
        );
        yield* this.audit("extension-denied", {
          actor: action.actor,
          outcome: "info",
          code: outcome.code,
          message: outcome.message,
        });
        yield* this.progress({ status: "open", extension });
        yield* this.notify("extension-denied", { window, extension, outcome });
        continue;
      }
      const counted = yield* this.countApproval(extension.approvals, action, true);
      if (!counted) continue;
      extension = { ...extension, approvals: counted.approvals };
      if (!counted.complete) {
        yield* this.progress({ status: "open", extension });
        continue;
      }
      extension = { ...extension, status: "approved" };
      window = { ...window, closesAt: extension.closesAt };
      yield* this.call(
        "extendWindowOnCluster",
        { cluster: this.request.cluster, requestId: this.request.id, closesAt: window.closesAt },
        RETRY.bookkeeping,
      );
      yield* this.audit("extended", {
        outcome: "success",
        details: { closesAt: window.closesAt, duration: extension.duration },
      });
      yield* this.progress({ status: "open", window, extension });
      yield* this.notify("extended", { window, extension });
    }
  }

  /** A new extension, if the requester asked for one within the policy; undefined when refused. */
  private *requestExtension(
    action: Extract<RequestAction, { type: "extend" }>,
    window: WindowTimes,
    current: Extension | undefined,
  ): Step<Extension | undefined> {
    const fromRequester = action.actor.oid.toLowerCase() === this.request.requester.oid.toLowerCase();
    const allowed = decideExtension(window, action.duration, this.request.maxDurationMs);
    if (!fromRequester || current?.status === "pending" || !allowed.ok) {
      const code = !fromRequester
        ? "NOT_REQUESTER"
        : current?.status === "pending"
          ? "EXTENSION_PENDING"
          : "BEYOND_MAXIMUM";
      yield* this.audit("event-ignored", {
        actor: action.actor,
        outcome: "refused",
        code,
        ...(allowed.ok ? {} : { message: allowed.message }),
      });
      return undefined;
    }
    const deadline = Math.min(this.now().getTime() + this.request.approvalTimeoutMs, Date.parse(window.closesAt));
    const extension: Extension = {
      duration: allowed.iso,
      durationMs: allowed.ms,
      requestedAt: action.at,
      approvalDeadline: new Date(deadline).toISOString(),
      closesAt: allowed.closesAt,
      approvals: [],
      status: "pending",
    };
    yield* this.audit("extension-requested", {
      actor: action.actor,
      outcome: "info",
      details: { duration: extension.duration, closesAt: extension.closesAt },
    });
    yield* this.progress({ status: "open", extension });
    yield* this.notify("extension-requested", { window, extension });
    return extension;
  }

  /**
   * Closes the window on the cluster, and never gives up: a failure is retried with capped
   * exponential backoff that honours the server's retry hint; after ESCALATE_AFTER failures the
   * alarm goes out and the request shows lockdown-failed until it succeeds. Every
   * ATTEMPTS_PER_EXECUTION attempts the workflow continues as new, keeping its history bounded.
   * Returns undefined when it continued as new (the next execution carries on).
   */
  private *closeWindow(
    reason: CloseReason,
    window: WindowTimes | undefined,
    lockdown: LockdownState,
  ): Step<WindowWorkflowOutput | undefined> {
    if (lockdown.attempts === 0) {
      if (reason.kind === "deadline") yield* this.audit("deadline-reached", { outcome: "info" });
      if (reason.kind === "closed") yield* this.audit("close-requested", { actor: reason.by, outcome: "info" });
      if (window) yield* this.progress({ status: "closing" });
      yield* this.audit("locking", { outcome: "info" });
    }
    for (;;) {
      const closed = yield* this.callContained("closeWindowOnCluster", {
        cluster: this.request.cluster,
        requestId: this.request.id,
      });
      if (closed.kind === "locked" || closed.kind === "kept-open")
        return yield* this.finish(reason, window, closed, lockdown);
      if (closed.kind === "refused" && closed.code === "CLUSTER_NOT_FOUND") {
        yield* this.audit("lockdown-failed", {
          outcome: "failure",
          code: closed.code,
          message: `${closed.message}: nothing left to lock`,
        });
        return yield* this.finish(reason, window, { kind: "locked", change: "unchanged" }, lockdown);
      }
      lockdown.attempts++;
      lockdown.lastError = `${closed.code}: ${closed.message}`;
      yield* this.audit("lockdown-retry", {
        outcome: "failure",
        code: closed.code,
        message: closed.message,
        details: { attempt: lockdown.attempts },
      });
      if (lockdown.attempts === ESCALATE_AFTER && !lockdown.escalated) {
        lockdown.escalated = true;
        const outcome = this.outcome(closed.code, `local accounts could not be disabled yet: ${closed.message}`);
        yield* this.audit("lockdown-failed", {
          outcome: "failure",
          code: closed.code,
          message: closed.message,
          details: { attempts: lockdown.attempts },
        });
        yield* this.progress({ status: "lockdown-failed", outcome, ...(window ? { window } : {}) });
        yield* this.notify("lockdown-failed", { outcome, lockdown: { ...lockdown }, ...(window ? { window } : {}) });
      }
      const retryAfterMs = closed.kind === "wait" ? closed.retryAfterMs : undefined;
      yield* this.sleep(retryDelay(lockdown.attempts, retryAfterMs));
      if (lockdown.attempts % ATTEMPTS_PER_EXECUTION === 0) {
        const resume: LockdownResume = {
          auditSequence: this.auditSequence,
          auditPrevHash: this.auditPrevHash,
          approvals: this.approvals,
          unwritten: this.unwritten,
          ...(window ? { window } : {}),
          reason,
          attempts: lockdown.attempts,
          escalated: lockdown.escalated,
        };
        this.context.df.continueAsNew({ ...this.request, resume } satisfies WindowWorkflowInput);
        return undefined;
      }
    }
  }

  /** After the close: certificates (if local accounts were disabled now), then how the request ends. */
  private *finish(
    reason: CloseReason,
    window: WindowTimes | undefined,
    closed: Extract<CloseOutcome, { kind: "locked" | "kept-open" }>,
    lockdown: LockdownState,
  ): Step<WindowWorkflowOutput> {
    if (closed.kind === "kept-open") {
      yield* this.audit("locked", {
        outcome: "success",
        details: { change: "kept-open", otherWindows: closed.otherWindows },
      });
    } else {
      yield* this.audit("locked", { outcome: "success", details: { change: closed.change } });
    }
    if (lockdown.escalated) yield* this.notify("lockdown-recovered", { lockdown: { ...lockdown } });
    if (closed.kind === "locked" && (closed.change === "changed" || closed.enabledSince)) {
      yield* this.applyCertificatePolicy(closed.enabledSince ?? window?.openedAt ?? this.request.requestedAt);
    }
    const closedWindow = window ? { ...window, closedAt: this.now().toISOString() } : undefined;
    const otherWindows = closed.kind === "kept-open" ? closed.otherWindows : 0;
    if (reason.kind === "enable-failed") {
      const failed = yield* this.end(
        "failed",
        "failed",
        "failed",
        this.outcome(reason.code, `local accounts could not be enabled: ${reason.message}`),
      );
      yield* this.writeWhatWasKeptBack();
      return failed;
    }
    const outcome =
      reason.kind === "deadline"
        ? this.outcome("WINDOW_ENDED", "the window reached its deadline")
        : this.outcome("CLOSED_EARLY", `closed early by ${reason.by.displayName} (${reason.by.upn})`, reason.by);
    const ended = yield* this.end("closed", "closed", "closed", outcome, reason.kind === "closed" ? reason.by : null, {
      ...(closedWindow ? { window: closedWindow } : {}),
      otherWindows,
    });
    yield* this.writeWhatWasKeptBack();
    return ended;
  }

  /** What a storage outage kept back, now that the cluster is safe: retried in full. */
  *writeWhatWasKeptBack(retry: RetryOptions = RETRY.bookkeeping): Step<void> {
    const entries = this.unwritten;
    this.unwritten = [];
    for (const entry of entries) {
      try {
        yield* this.call("appendAuditEntry", entry, retry);
      } catch (error) {
        this.log(`audit entry ${entry.stream}/${entry.key} is lost: ${describe(error)}`);
      }
    }
    const progress = this.unrecorded;
    this.unrecorded = undefined;
    if (!progress) return;
    try {
      yield* this.call("recordRequestProgress", { requestId: this.request.id, progress }, retry);
    } catch (error) {
      this.log(`status ${progress.status} could not be recorded: ${describe(error)}`);
    }
  }

  private *applyCertificatePolicy(since: string): Step<void> {
    let certificates: CertificateOutcome;
    try {
      certificates = yield* this.call(
        "applyCertificatePolicy",
        { cluster: this.request.cluster, since, until: this.now().toISOString() },
        RETRY.rotation,
      );
    } catch (error) {
      certificates = {
        decision: { action: "rotate", reason: "the certificate policy asked for a rotation" },
        rotation: { ok: false, code: "ROTATION_FAILED", message: describe(error) },
      };
    }
    const { decision, rotation } = certificates;
    const details = {
      action: decision.action,
      reason: decision.reason,
      ...(certificates.fetches === undefined ? {} : { fetches: certificates.fetches }),
    };
    if (decision.action === "rotate") {
      yield* this.audit("certificates-rotated", {
        outcome: rotation?.ok === false ? "failure" : "success",
        ...(rotation?.ok === false ? { code: rotation.code, message: rotation.message } : {}),
        details,
      });
      yield* this.notify("certificates-rotated", { certificates });
    } else {
      yield* this.audit("certificates-checked", { outcome: "info", details });
      if (decision.action === "advise") yield* this.notify("rotation-advised", { certificates });
    }
  }

  /**
   * The next valid action, or a timeout (the index of the deadline that passed first). A fresh
   * timer per deadline and wait, the losers cancelled, as the replay engine requires; malformed
   * events are audited and skipped.
   */
  private *nextAction(
    deadlines: readonly Date[],
  ): Step<{ kind: "action"; action: RequestAction } | { kind: "timeout"; index: number }> {
    for (;;) {
      const timers: TimerTask[] = deadlines.map((deadline) => this.context.df.createTimer(deadline));
      const event = this.context.df.waitForExternalEvent(REQUEST_ACTION_EVENT);
      const winner = yield this.context.df.Task.any([event, ...timers]);
      for (const timer of timers) if (timer !== winner) timer.cancel();
      const index = timers.findIndex((timer) => timer === winner);
      if (index >= 0) return { kind: "timeout", index };
      const parsed = requestActionSchema.safeParse(event.result);
      if (parsed.success) return { kind: "action", action: parsed.data };
      yield* this.audit("event-ignored", { outcome: "refused", code: "MALFORMED_EVENT" });
    }
  }

  private *sleep(ms: number): Step<void> {
    yield this.context.df.createTimer(new Date(this.now().getTime() + ms));
  }

  /** Records how the request ended: audit, status, notification. */
  private *end(
    status: RequestStatus,
    auditType: AuditEventType,
    notification: NotificationEvent,
    outcome: RequestOutcome,
    actor: Person | null = null,
    extra: Pick<RequestProgress, "window"> & { otherWindows?: number } = {},
  ): Step<WindowWorkflowOutput> {
    const { otherWindows, ...progress } = extra;
    yield* this.audit(auditType, {
      actor,
      outcome:
        status === "failed" ? "failure" : status === "closed" && outcome.code !== "WITHDRAWN" ? "success" : "info",
      code: outcome.code,
      message: outcome.message,
      ...(otherWindows ? { details: { otherWindows } } : {}),
    });
    yield* this.progress({ status, outcome, ...progress });
    yield* this.notify(notification, { outcome, ...progress, ...(otherWindows ? { otherWindows } : {}) });
    return { status, outcome };
  }

  private *audit(type: AuditEventType, fields: Partial<AuditFields> & Pick<AuditFields, "outcome">): Step<void> {
    const entry = requestAuditEntry(this.request.id, this.auditSequence++, this.auditPrevHash, {
      type,
      at: this.now().toISOString(),
      actor: fields.actor ? { oid: fields.actor.oid, upn: fields.actor.upn } : null,
      cluster: this.request.cluster.id,
      outcome: fields.outcome,
      ...(fields.code ? { code: fields.code } : {}),
      ...(fields.message ? { message: fields.message } : {}),
      ...(fields.details ? { details: fields.details } : {}),
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
    if (result === undefined && this.containFailures) this.unwritten.push(entry);
    if (result?.kind === "conflict")
      this.log(`audit entry ${entry.stream}/${entry.key} conflicts with a stored one; kept the stored one`);
  }

  private *progress(change: Omit<RequestProgress, "at">): Step<void> {
    const progress: RequestProgress = { ...change, at: this.now().toISOString() };
    this.context.df.setCustomStatus({ status: progress.status });
    const result = yield* this.bookkeeping("recordRequestProgress", { requestId: this.request.id, progress });
    if (result === undefined && this.containFailures) this.unrecorded = progress;
    else if (result !== undefined) this.unrecorded = undefined;
    if (result === "illegal") this.log(`refused to move request ${this.request.id} to ${progress.status}`);
  }

  /** Notifications never fail the workflow; a failed delivery is audited. */
  private *notify(
    event: NotificationEvent,
    extra: Omit<NotificationFacts, "event" | "request" | "at" | "approvals"> = {},
  ): Step<void> {
    let failures: string[];
    try {
      const result = yield* this.call("sendNotification", {
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

  /** Records in the index where the trail ends, so that removing its last entries later is detected. */
  *closeAuditTrail(): Step<void> {
    try {
      yield* this.call(
        "closeAuditTrail",
        { requestId: this.request.id, head: { entries: this.auditSequence, hash: this.auditPrevHash } },
        RETRY.closing,
      );
    } catch (error) {
      this.log(`could not record the head of the audit trail: ${describe(error)}`);
    }
  }

  /**
   * Audit and status writes, retried. Before opening, a write that keeps failing fails the
   * workflow (no access without a record). After, it gets one quick retry and is then skipped
   * (an audit entry is kept to be written later): the close matters more than the record of it.
   */
  private *bookkeeping<N extends "appendAuditEntry" | "recordRequestProgress">(
    name: N,
    input: Activities[N]["input"],
  ): Step<Activities[N]["output"] | undefined> {
    try {
      return yield* this.call(name, input, this.containFailures ? RETRY.contained : RETRY.bookkeeping);
    } catch (error) {
      if (!this.containFailures) throw error;
      this.log(`${name} failed after retries, continuing: ${describe(error)}`);
      return undefined;
    }
  }

  /** A cluster activity whose own failures (a bug, a crash) become a "wait" for the retry loop. */
  private *callContained<N extends "openWindowOnCluster" | "closeWindowOnCluster">(
    name: N,
    input: Activities[N]["input"],
  ): Step<Activities[N]["output"]> {
    try {
      return yield* this.call(name, input);
    } catch (error) {
      return { kind: "wait", code: "ACTIVITY_FAILED", message: describe(error) };
    }
  }

  private *call<N extends ActivityName>(
    name: N,
    input: Activities[N]["input"],
    retry?: RetryOptions,
  ): Step<Activities[N]["output"]> {
    const task = retry
      ? this.context.df.callActivityWithRetry(name, retry, input)
      : this.context.df.callActivity(name, input);
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
  const { resume, ...request } = context.df.getInput<WindowWorkflowInput>();
  const run = new WindowRun(context, request, resume);
  const output = yield* run.execute(resume);
  if (output) {
    yield* run.closeAuditTrail(); // not when it continued as new: the trail goes on
    // Last, after what earlier versions did here, so that their histories still replay: an entry
    // the failure path kept back. The head recorded above already counts it, so it is retried as
    // patiently as that head was.
    yield* run.writeWhatWasKeptBack(RETRY.closing);
  }
  return output;
};
