// A group-watch run asked for by a Graph change notification. The webhook must answer Graph within
// seconds, so it only starts this orchestration; the run itself is an activity, retried a few times.
// If every attempt fails, the next timer run finds the same changes: nothing is lost.
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import type { GroupWatchInput, GroupWatchReport } from "../domain/groupWatch.js";

const retry = new df.RetryOptions(5_000, 4);
retry.backoffCoefficient = 2;

export const groupWatchOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<GroupWatchInput>();
  return (yield context.df.callActivityWithRetry("runGroupWatch", retry, input)) as GroupWatchReport;
};
