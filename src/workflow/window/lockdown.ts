// Closing the window on the cluster, which never gives up: a failure is retried with capped
// exponential backoff that honours the server's retry hint; after ESCALATE_AFTER failures the
// alarm goes out and the request shows lockdown-failed until it succeeds. Every
// ATTEMPTS_PER_EXECUTION attempts the workflow continues as new, keeping its history bounded.
// After the close: the certificate policy (if local accounts were disabled now), the evidence (for
// workflows started with a plan), then how the request ended.
import type { CertificateOutcome } from "../../domain/certificates.js";
import type { WindowTimes } from "../../domain/request.js";
import { retryDelay } from "../../domain/retry.js";
import type { CloseReason, LockdownResume, WindowWorkflowInput } from "../../ports/workflowClient.js";
import type { Activities, WindowWorkflowOutput } from "../contracts.js";
import { call, callContained, failureSummary, RETRY, sleep, type Step } from "./calls.js";
import { end, type ClosedWindow } from "./endings.js";
import { collectWindowEvidence } from "./evidence.js";
import type { WindowRun } from "./recorder.js";

/** Failed lockdown attempts before the alarm goes out and the request shows lockdown-failed. */
export const ESCALATE_AFTER = 3;
/** Lockdown attempts per execution before continuing as new, so that the history stays bounded. */
export const ATTEMPTS_PER_EXECUTION = 10;

/** How the lockdown is going, carried across executions. */
export interface LockdownState {
  readonly attempts: number;
  readonly escalated: boolean;
  readonly lastError: string;
}

const FIRST_ATTEMPT: LockdownState = { attempts: 0, escalated: false, lastError: "" };

type CloseOutcome = Activities["closeWindowOnCluster"]["output"];
type Closed = Extract<CloseOutcome, { kind: "locked" | "kept-open" }>;
type Failed = Exclude<CloseOutcome, Closed>;

/** Closes the window; undefined when it continued as new (the next execution carries on). */
export function* closeWindow(
  run: WindowRun,
  reason: CloseReason,
  window: WindowTimes | undefined,
  from: LockdownState = FIRST_ATTEMPT,
): Step<WindowWorkflowOutput | undefined> {
  const { context, request, record } = run;
  if (from.attempts === 0) {
    if (reason.kind === "deadline") yield* record.audit("deadline-reached", { outcome: "info" });
    if (reason.kind === "closed")
      yield* record.audit("close-requested", { actor: reason.by, actionId: reason.actionId, outcome: "info" });
    if (window) yield* record.progress({ status: "closing" });
    yield* record.audit("locking", { outcome: "info" });
  }
  let lockdown = from;
  for (;;) {
    const closed = yield* callContained(context, "closeWindowOnCluster", {
      cluster: request.cluster,
      requestId: request.id,
    });
    if (closed.kind === "locked" || closed.kind === "kept-open")
      return yield* finish(run, reason, window, closed, lockdown);
    if (closed.kind === "refused" && closed.code === "CLUSTER_NOT_FOUND") {
      yield* record.audit("lockdown-failed", {
        outcome: "failure",
        code: closed.code,
        message: `${closed.message}: nothing left to lock`,
      });
      return yield* finish(run, reason, window, { kind: "locked", change: "unchanged" }, lockdown);
    }
    lockdown = yield* failedAttempt(run, window, lockdown, closed);
    yield* sleep(context, retryDelay(lockdown.attempts, closed.kind === "wait" ? closed.retryAfterMs : undefined));
    if (lockdown.attempts % ATTEMPTS_PER_EXECUTION === 0) {
      const resume: LockdownResume = {
        ...record.resume(),
        ...(window ? { window } : {}),
        reason,
        attempts: lockdown.attempts,
        escalated: lockdown.escalated,
      };
      context.df.continueAsNew({ ...request, resume } satisfies WindowWorkflowInput);
      return undefined;
    }
  }
}

/** Picks up a lockdown that continued as new (a resume does not carry the last error). */
export function* resumeLockdown(run: WindowRun, resume: LockdownResume): Step<WindowWorkflowOutput | undefined> {
  return yield* closeWindow(run, resume.reason, resume.window, {
    attempts: resume.attempts,
    escalated: resume.escalated,
    lastError: "",
  });
}

/** Records a failed attempt; the one that reaches ESCALATE_AFTER raises the alarm. */
function* failedAttempt(
  { record }: WindowRun,
  window: WindowTimes | undefined,
  before: LockdownState,
  failed: Failed,
): Step<LockdownState> {
  const attempts = before.attempts + 1;
  const lastError = `${failed.code}: ${failed.message}`;
  yield* record.audit("lockdown-retry", {
    outcome: "failure",
    code: failed.code,
    message: failed.message,
    details: { attempt: attempts },
  });
  if (attempts !== ESCALATE_AFTER || before.escalated) return { attempts, escalated: before.escalated, lastError };
  const lockdown: LockdownState = { attempts, escalated: true, lastError };
  const outcome = record.outcome(failed.code, `local accounts could not be disabled yet: ${failed.message}`);
  yield* record.audit("lockdown-failed", {
    outcome: "failure",
    code: failed.code,
    message: failed.message,
    details: { attempts },
  });
  yield* record.progress({ status: "lockdown-failed", outcome, ...(window ? { window } : {}) });
  yield* record.notify("lockdown-failed", { outcome, lockdown, ...(window ? { window } : {}) });
  return lockdown;
}

function* finish(
  run: WindowRun,
  reason: CloseReason,
  window: WindowTimes | undefined,
  closed: Closed,
  lockdown: LockdownState,
): Step<WindowWorkflowOutput> {
  const { request, record } = run;
  if (closed.kind === "kept-open") {
    yield* record.audit("locked", {
      outcome: "success",
      details: { change: "kept-open", otherWindows: closed.otherWindows },
    });
  } else {
    yield* record.audit("locked", { outcome: "success", details: { change: closed.change } });
  }
  // When local accounts were disabled: the certificate policy that follows can take hours of retries,
  // and a call made meanwhile is a use after the window, not during it.
  const lockedAt = record.now();
  if (lockdown.escalated) yield* record.notify("lockdown-recovered", { lockdown });
  // Local accounts were enabled until now: even an enable reported failed may have landed.
  const wasEnabled = closed.kind === "locked" && (closed.change === "changed" || closed.enabledSince);
  const certificates = wasEnabled
    ? yield* applyCertificatePolicy(run, closed.enabledSince ?? window?.openedAt ?? request.requestedAt)
    : undefined;
  // A window that failed to open is not reported as a closed one.
  const closedWindow: ClosedWindow =
    reason.kind === "enable-failed"
      ? {}
      : {
          ...(window ? { window: { ...window, closedAt: record.now().toISOString() } } : {}),
          otherWindows: closed.kind === "kept-open" ? closed.otherWindows : 0,
        };
  // Only workflows started with a plan collect evidence: the others replay as they were recorded.
  // Its span starts when this request's own access did, not at an earlier window's enable.
  const since =
    closedWindow.window?.openedAt ??
    (reason.kind === "enable-failed" && wasEnabled
      ? (reason.enablingAt ?? closed.enabledSince ?? request.requestedAt)
      : undefined);
  const after =
    run.evidence && since
      ? yield* collectWindowEvidence(run, run.evidence, {
          reason,
          window: closedWindow.window,
          since,
          lockedAt,
          closed,
          certificates,
        })
      : undefined;
  const ended = yield* end(record, reason, closedWindow, after);
  yield* record.writeWhatWasKeptBack();
  return ended;
}

function* applyCertificatePolicy({ context, request, record }: WindowRun, since: string): Step<CertificateOutcome> {
  let certificates: CertificateOutcome;
  try {
    certificates = yield* call(
      context,
      "applyCertificatePolicy",
      { cluster: request.cluster, since, until: record.now().toISOString() },
      RETRY.rotation,
    );
  } catch (error) {
    certificates = {
      decision: { action: "rotate", reason: "the certificate policy asked for a rotation" },
      rotation: { ok: false, code: "ROTATION_FAILED", message: failureSummary(error) },
    };
  }
  const { decision, rotation } = certificates;
  const details = {
    action: decision.action,
    reason: decision.reason,
    ...(certificates.fetches === undefined ? {} : { fetches: certificates.fetches }),
  };
  if (decision.action === "rotate") {
    yield* record.audit("certificates-rotated", {
      outcome: rotation?.ok === false ? "failure" : "success",
      ...(rotation?.ok === false ? { code: rotation.code, message: rotation.message } : {}),
      details,
    });
    yield* record.notify("certificates-rotated", { certificates });
  } else {
    yield* record.audit("certificates-checked", { outcome: "info", details });
    if (decision.action === "advise") yield* record.notify("rotation-advised", { certificates });
  }
  return certificates;
}
