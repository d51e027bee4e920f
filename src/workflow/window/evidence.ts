// The closed window's evidence (docs/design.md §11): what kube-audit recorded as `masterclient` on
// the cluster from this request's opening (or, for an enable reported failed that may have landed,
// from when it began enabling) to the lockdown. Another window open in that span used the same
// credential, so its calls cannot be told apart: the entry says so. Only workflows whose input carries an evidence plan
// take this step; those started before it existed (or with BREAKGLASS_EVIDENCE=off) have none and
// go on exactly as before, so that their histories replay.
//
// The request shows closed first: the window is over, only the record of it is awaited. Rows reach
// Log Analytics minutes after the call, so the workflow waits on a durable timer, queries, and
// queries again until two counts agree or the plan's bound passes: a bounded number of rounds,
// each a fresh timer, so the history stays short. Evidence never fails the workflow: what cannot
// be had is recorded as unavailable, with the reason.
import type { CertificateOutcome } from "../../domain/certificates.js";
import type { OutcomeCode } from "../../domain/codes.js";
import { decideEvidenceRound, type EvidencePlan, type EvidenceSummary } from "../../domain/evidence.js";
import { evidenceDetails, type CollectedEvidence } from "../../domain/evidenceRecord.js";
import type { WindowTimes } from "../../domain/request.js";
import type { CloseReason } from "../../ports/workflowClient.js";
import type { Activities, EvidenceAnswer } from "../contracts.js";
import { call, failureSummary, RETRY, retryOptions, sleep, type Step } from "./calls.js";
import { endingState, type AfterEvidence } from "./endings.js";
import type { WindowRun } from "./recorder.js";

/** How the lockdown ended, as the evidence step needs it. */
export interface LockedWindow {
  readonly reason: CloseReason;
  /** The window as it closed (with closedAt); undefined when enabling was reported failed. */
  readonly window: WindowTimes | undefined;
  /** When this request's own access began: its window's opening, or when it began enabling. */
  readonly since: string;
  /** When the lockdown disabled local accounts (before the certificate policy ran). */
  readonly lockedAt: Date;
  readonly closed: Extract<Activities["closeWindowOnCluster"]["output"], { kind: "locked" | "kept-open" }>;
  /** The certificate policy's outcome; undefined when it did not run. */
  readonly certificates: CertificateOutcome | undefined;
}

/** Attempts at one query (the first and its retries) before the log counts as unavailable. */
const QUERY_ATTEMPTS = 4;

type Rounds =
  | {
      readonly kind: "collected";
      readonly summary: EvidenceSummary;
      readonly settled: boolean;
      readonly note?: string;
      readonly gap?: string;
    }
  | { readonly kind: "unavailable"; readonly code: OutcomeCode; readonly reason: string };

/** Records the request as closed, watches its credentials if need be, collects and audits the evidence. */
export function* collectWindowEvidence(run: WindowRun, plan: EvidencePlan, locked: LockedWindow): Step<AfterEvidence> {
  const { record } = run;
  const { lockedAt } = locked;
  const { status, outcome } = endingState(record, locked.reason);
  yield* record.progress({ status, outcome, ...(locked.window ? { window: locked.window } : {}) });
  const enabledSince = (locked.closed.kind === "locked" && locked.closed.enabledSince) || locked.since;
  // A kubeconfig fetched during the window works until the certificates are rotated. Even a count
  // of no fetches is watched: the Activity Log lags, and the watch ends it once the log caught up.
  const exposed = locked.closed.kind === "locked" && !rotated(locked.certificates);
  const watched = exposed
    ? yield* watchCredentials(run, { enabledSince, lockedAt: lockedAt.toISOString() })
    : "not-needed";
  const span = { from: locked.since, to: lockedAt.toISOString() };
  const found = yield* queryUntilSettled(run, plan, lockedAt, span);
  if (found.kind === "unavailable") {
    yield* record.audit("evidence-unavailable", {
      outcome: "failure",
      code: found.code,
      message: found.reason,
      details: { ...span, credentialWatch: watched },
    });
    return { outcome, evidence: { kind: "unavailable", reason: found.reason } };
  }
  const shared = sharing(locked, enabledSince);
  const gap = found.gap === undefined ? {} : { gap: found.gap };
  const collected: CollectedEvidence = { summary: found.summary, settled: found.settled, ...span, ...shared, ...gap };
  yield* record.audit("evidence-collected", {
    outcome: "success",
    ...(found.settled
      ? {}
      : {
          code: "EVIDENCE_UNSETTLED",
          message: found.note ?? "calls were still arriving in the log when the collection's bound passed",
        }),
    details: { ...evidenceDetails(collected), credentialWatch: watched },
  });
  const { entries, counts, truncated } = found.summary;
  // The message names the first groups; one more tells it that there are others.
  const summary = { entries, counts: counts.slice(0, 4), truncated };
  const evidence = { kind: "collected", summary, settled: found.settled, ...gap } as const;
  return { outcome, evidence: { ...evidence, ...(Object.keys(shared).length ? { shared: true } : {}) } };
}

/** Other windows open in the span: kept open by this lockdown, or enabled before this request's access began. */
function sharing(
  { closed, since }: LockedWindow,
  enabledSince: string,
): Pick<CollectedEvidence, "sharedWith" | "sharedSince"> {
  if (closed.kind === "kept-open") return { sharedWith: closed.otherWindows };
  return Date.parse(enabledSince) < Date.parse(since) ? { sharedSince: enabledSince } : {};
}

/** The certificate policy rotated the certificates: admin kubeconfigs of the window no longer work. */
function rotated(certificates: CertificateOutcome | undefined): boolean {
  return certificates?.decision.action === "rotate" && certificates.rotation?.ok === true;
}

/** "registered", or why not: a watch that cannot be registered is said in the evidence entry. */
function* watchCredentials(
  { context, request }: WindowRun,
  times: { readonly enabledSince: string; readonly lockedAt: string },
): Step<string> {
  try {
    yield* call(
      context,
      "watchCredentials",
      { requestId: request.id, cluster: request.cluster, ...times },
      RETRY.bookkeeping,
    );
    return "registered";
  } catch (error) {
    return `failed: ${failureSummary(error)}`;
  }
}

function* queryUntilSettled(
  run: WindowRun,
  plan: EvidencePlan,
  lockedAt: Date,
  span: { readonly from: string; readonly to: string },
): Step<Rounds> {
  const { context, record } = run;
  yield* sleep(context, lockedAt.getTime() + plan.firstQueryAfterMs - record.now().getTime());
  const counts: number[] = [];
  let last: Extract<EvidenceAnswer, { kind: "found" }> | undefined;
  for (;;) {
    const answer = yield* query(run, plan, span);
    if (answer.kind === "unavailable") {
      // Calls already found are kept: the failure only means the count could not settle.
      if (last) return { ...collected(last, false), note: `a later query failed: ${answer.reason}` };
      return answer;
    }
    last = answer;
    counts.push(last.summary.entries);
    const round = decideEvidenceRound(plan, counts, record.now().getTime() - lockedAt.getTime());
    if (round.action !== "query-again") return collected(last, round.action === "settled");
    yield* sleep(context, round.afterMs);
  }
}

type Collected = Extract<Rounds, { kind: "collected" }>;

function collected({ summary, gap }: Extract<EvidenceAnswer, { kind: "found" }>, settled: boolean): Collected {
  return { kind: "collected", summary, settled, ...(gap === undefined ? {} : { gap }) };
}

/** One query; a log that kept failing through the retries is unavailable, named by its code. */
function* query(
  { context, request }: WindowRun,
  plan: EvidencePlan,
  span: { readonly from: string; readonly to: string },
): Step<EvidenceAnswer> {
  // At the plan's own pace: minutes against Log Analytics, seconds in the simulation.
  const retry = retryOptions(plan.queryEveryMs, QUERY_ATTEMPTS, 4 * plan.queryEveryMs);
  try {
    return yield* call(context, "collectEvidence", { cluster: request.cluster, requestId: request.id, ...span }, retry);
  } catch (error) {
    const reason = failureSummary(error);
    const code: OutcomeCode = /\bLOGS_THROTTLED:/.test(reason) ? "LOGS_THROTTLED" : "LOGS_UNAVAILABLE";
    return { kind: "unavailable", code, reason: `the kube-audit log did not answer: ${reason}` };
  }
}
