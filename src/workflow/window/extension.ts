// An open window: it runs until its deadline or a close. Meanwhile the requester may ask for an
// extension, which is approved like the window (distinct approvers, before its own deadline).
import { decideExtension } from "../../domain/policy.js";
import type { Extension, WindowTimes } from "../../domain/request.js";
import type { CloseReason } from "../../ports/workflowClient.js";
import { nextAction, type ActionOf } from "./actions.js";
import { countApproval } from "./approval.js";
import { call, failureSummary, RETRY, type Step } from "./calls.js";
import type { WindowRun } from "./recorder.js";

export interface WindowEnd {
  readonly reason: CloseReason;
  readonly window: WindowTimes;
}

/** Waits for the deadline or a close; handles extensions (asked by the requester, approved like the window). */
export function* awaitWindowEnd(run: WindowRun, opened: WindowTimes): Step<WindowEnd> {
  const { record } = run;
  let window = opened;
  let extension: Extension | undefined;
  for (;;) {
    const deadlines = [
      new Date(window.closesAt),
      ...(extension?.status === "pending" ? [new Date(extension.approvalDeadline)] : []),
    ];
    const next = yield* nextAction(run, deadlines);
    if (next.kind === "timeout") {
      if (next.index === 0) return { reason: { kind: "deadline" }, window };
      extension = { ...extension!, status: "expired" };
      yield* record.audit("extension-expired", { outcome: "info" });
      yield* record.progress({ status: "open", extension });
      yield* record.notify("extension-expired", {
        window,
        extension,
        outcome: record.outcome("EXTENSION_EXPIRED", "no decision before the extension's deadline"),
      });
      continue;
    }
    const { action } = next;
    if (action.type === "close")
      return { reason: { kind: "closed", by: action.actor, ...(action.id ? { actionId: action.id } : {}) }, window };
    if (action.type === "extend") {
      extension = (yield* requestExtension(run, action, window, extension)) ?? extension;
      continue;
    }
    if (extension?.status !== "pending") {
      yield* record.ignore(action, "NOT_PENDING");
      continue;
    }
    if (action.type === "deny") {
      extension = yield* denyExtension(run, action, window, extension);
      continue;
    }
    const counted = yield* countApproval(run, extension.approvals, action, true);
    if (!counted) continue;
    extension = { ...extension, approvals: counted.approvals };
    if (!counted.complete) {
      yield* record.progress({ status: "open", extension });
      continue;
    }
    ({ window, extension } = yield* applyExtension(run, window, extension));
  }
}

/**
 * Moves the window's deadline in the cluster's registry, which the watchdog goes by. Should that
 * keep failing, the window keeps the deadline it had (the registry's), and the requester is told:
 * the window is open, so this is no reason to leave the run — the close must still come.
 */
function* applyExtension(
  { context, request, record }: WindowRun,
  window: WindowTimes,
  approved: Extension,
): Step<{ window: WindowTimes; extension: Extension }> {
  try {
    yield* call(
      context,
      "extendWindowOnCluster",
      { cluster: request.cluster, requestId: request.id, closesAt: approved.closesAt },
      RETRY.bookkeeping,
    );
  } catch (error) {
    const extension: Extension = { ...approved, status: "failed" };
    const outcome = record.outcome(
      "EXTENSION_FAILED",
      `the extension was approved but could not be applied (${failureSummary(error)}); the window keeps its deadline`,
    );
    yield* record.audit("extension-failed", { outcome: "failure", code: outcome.code, message: outcome.message });
    yield* record.progress({ status: "open", extension });
    yield* record.notify("extension-failed", { window, extension, outcome });
    return { window, extension };
  }
  const extension: Extension = { ...approved, status: "approved" };
  const extended = { ...window, closesAt: approved.closesAt };
  yield* record.audit("extended", {
    outcome: "success",
    details: { closesAt: extended.closesAt, duration: extension.duration },
  });
  yield* record.progress({ status: "open", window: extended, extension });
  yield* record.notify("extended", { window: extended, extension });
  return { window: extended, extension };
}

/** A new extension, if the requester asked for one within the policy; undefined when refused. */
function* requestExtension(
  { request, record }: WindowRun,
  action: ActionOf<"extend">,
  window: WindowTimes,
  current: Extension | undefined,
): Step<Extension | undefined> {
  const fromRequester = action.actor.oid.toLowerCase() === request.requester.oid.toLowerCase();
  const allowed = decideExtension(window, action.duration, request.maxDurationMs);
  if (!fromRequester || current?.status === "pending" || !allowed.ok) {
    const code = !fromRequester
      ? "NOT_REQUESTER"
      : current?.status === "pending"
        ? "EXTENSION_PENDING"
        : "BEYOND_MAXIMUM";
    yield* record.ignore(action, code, allowed.ok ? undefined : allowed.message);
    return undefined;
  }
  const deadline = Math.min(record.now().getTime() + request.approvalTimeoutMs, Date.parse(window.closesAt));
  const extension: Extension = {
    duration: allowed.iso,
    durationMs: allowed.ms,
    requestedAt: action.at,
    approvalDeadline: new Date(deadline).toISOString(),
    closesAt: allowed.closesAt,
    approvals: [],
    status: "pending",
  };
  yield* record.audit("extension-requested", {
    actor: action.actor,
    actionId: action.id,
    outcome: "info",
    details: { duration: extension.duration, closesAt: extension.closesAt },
  });
  yield* record.progress({ status: "open", extension });
  yield* record.notify("extension-requested", { window, extension });
  return extension;
}

function* denyExtension(
  { record }: WindowRun,
  action: ActionOf<"deny">,
  window: WindowTimes,
  pending: Extension,
): Step<Extension> {
  const extension: Extension = { ...pending, status: "denied" };
  const { actor, reason } = action;
  const outcome = record.outcome(
    "EXTENSION_DENIED",
    `extension denied by ${actor.displayName} (${actor.upn})${reason ? `: ${reason}` : ""}`,
    actor,
  );
  yield* record.audit("extension-denied", {
    actor,
    actionId: action.id,
    outcome: "info",
    code: outcome.code,
    message: outcome.message,
  });
  yield* record.progress({ status: "open", extension });
  yield* record.notify("extension-denied", { window, extension, outcome });
  return extension;
}
