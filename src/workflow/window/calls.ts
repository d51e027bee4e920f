// Activity calls and timers of the window orchestration. It runs under Durable Functions replay,
// so time is context.df.currentUtcDateTime and all I/O happens in activities.
import * as df from "durable-functions";
import type { OrchestrationContext, RetryOptions, Task } from "durable-functions";
import type { ActivityName, Activities } from "../contracts.js";

/** One step of the orchestration: yields Durable tasks, returns what it found. */
export type Step<T> = Generator<Task, T, unknown>;

export function retryOptions(firstMs: number, attempts: number, maxIntervalMs: number): RetryOptions {
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

export function* call<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: Activities[N]["input"],
  retry?: RetryOptions,
): Step<Activities[N]["output"]> {
  const task = retry ? context.df.callActivityWithRetry(name, retry, input) : context.df.callActivity(name, input);
  return (yield task) as Activities[N]["output"];
}

/** A cluster activity whose own failures (a bug, a crash) become a "wait" for the retry loop. */
export function* callContained<N extends "openWindowOnCluster" | "closeWindowOnCluster">(
  context: OrchestrationContext,
  name: N,
  input: Activities[N]["input"],
): Step<Activities[N]["output"]> {
  try {
    return yield* call(context, name, input);
  } catch (error) {
    return { kind: "wait", code: "ACTIVITY_FAILED", message: failureSummary(error) };
  }
}

export function* sleep(context: OrchestrationContext, ms: number): Step<void> {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms));
}

/** The first line of a failure, short enough for an audit entry or a log line. */
export function failureSummary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Durable wraps activity failures as "<reason> \n <stack>"; the first line is the useful part.
  return message.split("\n")[0]!.trim().slice(0, 500);
}
