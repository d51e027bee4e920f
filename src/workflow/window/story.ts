// The emergency-window orchestration (docs/design.md §2). It runs under Durable Functions replay, so everything in it
// is deterministic: time is context.df.currentUtcDateTime, every wait gets a new timer and the
// losing timers are cancelled, and all I/O happens in activities.
//
// A request is recorded and the approvers told; it waits for a decision; an approved request
// opens its window on the cluster; the window ends at its deadline or a close; then the window is
// closed. Once opening has been attempted nothing may skip the close: bookkeeping failures after
// that point are contained (§8.2), and the close is retried until it succeeds (§8.3).
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import type { WindowWorkflowInput } from "../../ports/workflowClient.js";
import type { WindowWorkflowOutput } from "../contracts.js";
import { awaitDecision, requestApproval } from "./approval.js";
import { failureSummary, RETRY, type Step } from "./calls.js";
import { end } from "./endings.js";
import { awaitWindowEnd } from "./extension.js";
import { closeWindow, resumeLockdown } from "./lockdown.js";
import { openWindow } from "./opening.js";
import { WindowRecorder, type WindowRun } from "./recorder.js";

function* story(run: WindowRun): Step<WindowWorkflowOutput | undefined> {
  yield* requestApproval(run);
  const decision = yield* awaitDecision(run);
  if (decision.kind !== "approved") return yield* end(run.record, decision);
  const opening = yield* openWindow(run);
  if (opening.kind === "requester-ineligible") return yield* end(run.record, opening);
  if (opening.kind === "enable-failed") return yield* closeWindow(run, opening, undefined);
  const { reason, window } = yield* awaitWindowEnd(run, opening.window);
  return yield* closeWindow(run, reason, window);
}

/** The story, or where a failure before opening leaves it: nothing was changed on the cluster. */
function* storyOrFailure(run: WindowRun): Step<WindowWorkflowOutput | undefined> {
  try {
    return yield* story(run);
  } catch (error) {
    // Only failures before opening reach here (later ones are contained), so nothing is open.
    // Record what we still can, and never throw again; what was kept back is written after the trail is closed.
    run.record.containFailures();
    return yield* end(run.record, { kind: "workflow-error", failure: failureSummary(error) });
  }
}

export const emergencyWindowOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  // The plan stays in `request`, whose whole is the input of a continued execution.
  const { resume, ...request } = context.df.getInput<WindowWorkflowInput>();
  const record = new WindowRecorder(context, request, resume);
  const run: WindowRun = { context, request, record, evidence: request.evidence };
  const output = resume ? yield* resumeLockdown(run, resume) : yield* storyOrFailure(run);
  if (output) {
    yield* run.record.closeAuditTrail(); // not when it continued as new: the trail goes on
    // Last, after what earlier versions did here, so that their histories still replay: an entry
    // the failure path kept back. The head recorded above already counts it, so it is retried as
    // patiently as that head was.
    yield* run.record.writeWhatWasKeptBack(RETRY.closing);
  }
  return output;
};
