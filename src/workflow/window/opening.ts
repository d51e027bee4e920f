// Opening an approved window: the requester is asked of the directory again, then the cluster is
// asked to enable local accounts, retried while it is busy, for at most OPEN_BUDGET_MS.
import type { WindowTimes } from "../../domain/request.js";
import { retryDelay } from "../../domain/retry.js";
import type { CloseReason } from "../../ports/workflowClient.js";
import { call, callContained, RETRY, sleep, type Step } from "./calls.js";
import type { Ending } from "./endings.js";
import type { WindowRun } from "./recorder.js";

/** How long opening may keep failing (busy cluster, ARM errors) before the request fails. */
export const OPEN_BUDGET_MS = 10 * 60_000;

export type Opening =
  | { readonly kind: "opened"; readonly window: WindowTimes }
  /** The write may have landed even though it was reported as failed: the window must be closed properly. */
  | Extract<CloseReason, { kind: "enable-failed" }>
  | Ending<"requester-ineligible">;

export function* openWindow(run: WindowRun): Step<Opening> {
  const { context, request, record } = run;
  // Membership may have changed since the request was made; ask again before opening.
  const eligibility = yield* call(
    context,
    "checkRequesterEligible",
    { requester: request.requester },
    RETRY.bookkeeping,
  );
  if (!eligibility.eligible) {
    return { kind: "requester-ineligible", code: eligibility.code, message: eligibility.message };
  }
  yield* record.progress({ status: "opening" });
  yield* record.audit("enabling", { outcome: "info" });
  record.containFailures();
  const started = record.now().getTime();
  for (let attempt = 1; ; attempt++) {
    const opened = yield* callContained(context, "openWindowOnCluster", {
      cluster: request.cluster,
      requestId: request.id,
      durationMs: request.durationMs,
    });
    if (opened.kind === "opened") {
      const window: WindowTimes = { openedAt: opened.openedAt, closesAt: opened.closesAt };
      yield* record.progress({ status: "open", window });
      yield* record.audit("opened", {
        outcome: "success",
        details: { closesAt: window.closesAt, change: opened.change },
      });
      yield* record.notify("opened", { window });
      return { kind: "opened", window };
    }
    const outOfTime = record.now().getTime() - started >= OPEN_BUDGET_MS;
    if (opened.kind === "refused" || outOfTime) {
      const code = opened.kind === "refused" ? opened.code : "OPEN_TIMED_OUT";
      const message =
        opened.kind === "refused"
          ? opened.message
          : `${opened.message} (still failing after ${OPEN_BUDGET_MS / 60_000} minutes)`;
      yield* record.audit("enable-failed", { outcome: "failure", code, message });
      // The evidence of a write that landed starts here; without a plan the reason stays as it was.
      const enablingAt = run.evidence ? { enablingAt: new Date(started).toISOString() } : {};
      return { kind: "enable-failed", code, message, ...enablingAt };
    }
    yield* record.audit("enable-retry", {
      outcome: "failure",
      code: opened.code,
      message: opened.message,
      details: { attempt },
    });
    yield* sleep(context, retryDelay(attempt, opened.retryAfterMs, 10_000, 60_000));
  }
}
