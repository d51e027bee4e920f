// Typed access to the parts of durable-functions that the Functions host normally drives:
// the replay executor (what df.app.orchestration registers) and the history event classes.
// They are internal modules without type declarations, so the shapes used are declared here.
import { createRequire } from "node:module";
import type { InvocationContext } from "@azure/functions";
import type { OrchestrationHandler } from "durable-functions";

const require = createRequire(import.meta.url);

/** History event types as the Durable Task Framework numbers them. */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;

/** Orchestrator action types, as they appear in the state the executor returns. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  WhenAny: 11,
  WhenAll: 12,
} as const;

/** Replay schema V3, which the current Durable extension sends as `upperSchemaVersionNew`. */
export const REPLAY_SCHEMA_V3 = 2;

/** A history event in the wire shape (PascalCase) the extension sends to the worker. */
export interface HistoryEvent {
  readonly EventType: number;
  readonly EventId: number;
  IsPlayed: boolean;
  readonly Timestamp: Date;
  readonly [field: string]: unknown;
}

interface EventOptions {
  eventId: number;
  timestamp: Date;
  isPlayed: boolean;
  [option: string]: unknown;
}

type EventClass = new (options: EventOptions) => HistoryEvent;

function eventClass(name: string): EventClass {
  return (require(`durable-functions/lib/src/history/${name}.js`) as Record<string, EventClass>)[name]!;
}

const classes = {
  ExecutionStarted: eventClass("ExecutionStartedEvent"),
  TaskScheduled: eventClass("TaskScheduledEvent"),
  TaskCompleted: eventClass("TaskCompletedEvent"),
  TaskFailed: eventClass("TaskFailedEvent"),
  TimerCreated: eventClass("TimerCreatedEvent"),
  TimerFired: eventClass("TimerFiredEvent"),
  EventRaised: eventClass("EventRaisedEvent"),
  OrchestratorStarted: eventClass("OrchestratorStartedEvent"),
  OrchestratorCompleted: eventClass("OrchestratorCompletedEvent"),
};

/** Builds one history event with the SDK's own class; `eventId` is -1 for events that have none. */
export function historyEvent(
  type: keyof typeof classes,
  timestamp: Date,
  options: Record<string, unknown> = {},
  eventId = -1,
): HistoryEvent {
  return new classes[type]({ eventId, timestamp, isPlayed: false, ...options });
}

/** The events the SDK has no class for (they end an instance and are never replayed to it). */
export function terminalEvent(
  type: (typeof EventType)["ExecutionCompleted" | "ExecutionFailed" | "ExecutionTerminated"],
  timestamp: Date,
  fields: Record<string, unknown>,
): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: timestamp, ...fields };
}

/** One action of the orchestrator state, as the executor reports it. */
export interface OrchestratorAction {
  readonly actionType: number;
  readonly functionName?: string;
  readonly input?: unknown;
  readonly retryOptions?: {
    readonly firstRetryIntervalInMilliseconds: number;
    readonly maxNumberOfAttempts: number;
    readonly backoffCoefficient?: number;
    readonly maxRetryIntervalInMilliseconds?: number;
    readonly retryTimeoutInMilliseconds?: number;
  };
  readonly fireAt?: string;
  readonly isCanceled?: boolean;
  readonly externalEventName?: string;
  readonly compoundActions?: readonly OrchestratorAction[];
}

/** What one execution of the orchestrator returns to the extension. */
export interface OrchestratorState {
  readonly isDone: boolean;
  readonly actions: readonly (readonly OrchestratorAction[])[];
  readonly output?: unknown;
  readonly error?: string;
  readonly customStatus?: unknown;
  readonly schemaVersion: number;
}

export type OrchestratorTrigger = Record<string, unknown>;
export type ExecutorHandler = (trigger: OrchestratorTrigger, context: InvocationContext) => Promise<OrchestratorState>;

const testingUtils = require("durable-functions/lib/src/util/testingUtils.js") as {
  createOrchestrator(fn: OrchestrationHandler): ExecutorHandler;
  DummyOrchestrationContext: new (
    functionName: string,
    invocationId: string,
    logHandler: (level: string, ...args: unknown[]) => void,
  ) => InvocationContext;
};

/** Exactly the listener that df.app.orchestration() registers with the worker. */
export const createExecutor = (fn: OrchestrationHandler): ExecutorHandler => testingUtils.createOrchestrator(fn);
export const OrchestrationInvocationContext = testingUtils.DummyOrchestrationContext;

/** Marks an orchestration failure in an error message; the JSON state follows it. */
export const OUT_OF_PROC_LABEL = "\n\n$OutOfProcData$:";
