// A small Durable Task engine for tests and the offline host. It does what the Durable
// extension does for an out-of-process worker, and nothing more:
//
//  - each work item ("episode") appends OrchestratorStarted(now) and the new events to the
//    history and runs the orchestrator through durable-functions' own replay executor with the
//    whole history, in the wire format and replay schema V3 the extension uses;
//  - new actions become TaskScheduled / TimerCreated events with sequential ids; actions already
//    in the history must come out of the replay unchanged, or the engine throws
//    NondeterminismError (type and name always; inputs and timer times too in strict mode);
//  - activities run with the real handlers, one completion per episode;
//  - retries follow DTFx: a failed attempt with retry options gets a retry timer (even after the
//    last attempt, as DTFx does), and the next attempt is scheduled when it fires;
//  - timers fire from a Clock; an instance whose orchestrator returned stays Running while it
//    has timers it did not cancel, as DTFx does;
//  - events raised before anyone waits for them are kept until someone does;
//  - with an InstanceStore, each instance is saved after every episode and recovered on restart:
//    its pending timers fire (late ones at once) and interrupted activities run again;
//  - continueAsNew starts a fresh execution with the new input and an empty history; the old
//    execution's timers are dropped, as DTFx does.
//
// Not supported: sub-orchestrations, entities, callHttp. Those raise an error.
import { InvocationContext } from "../azureFunctions.js";
import type { InvocationContext as Context } from "@azure/functions";
import { ManualClock, type Clock } from "./clock.js";
import {
  ActionType,
  EventType,
  historyEvent,
  OrchestrationInvocationContext,
  OUT_OF_PROC_LABEL,
  REPLAY_SCHEMA_V3,
  terminalEvent,
  type ExecutorHandler,
  type HistoryEvent,
  type OrchestratorAction,
  type OrchestratorState,
} from "./sdk.js";

export class NondeterminismError extends Error {
  override name = "NondeterminismError";
}

export type ActivityFunction = (input: unknown, context: Context) => unknown;

export type RuntimeStatus = "Running" | "Completed" | "Failed" | "Terminated";

/** Where instances are kept between runs of a host. */
export interface InstanceStore {
  save(snapshot: InstanceSnapshot): Promise<void>;
  loadRunning(): Promise<readonly InstanceSnapshot[]>;
}

/** Everything needed to carry on with an instance in another process. */
export interface InstanceSnapshot {
  readonly name: string;
  readonly instanceId: string;
  readonly input: unknown;
  readonly runtimeStatus: RuntimeStatus;
  readonly output: unknown;
  readonly customStatus: unknown;
  readonly createdTime: number;
  readonly lastUpdatedTime: number;
  readonly history: readonly HistoryEvent[];
  readonly recorded: readonly { readonly key: string; readonly strictKey: string; readonly timerId?: number }[];
  readonly nextSequence: number;
  readonly timers: readonly PendingTimer[];
  readonly work: readonly ActivityWork[];
  readonly executions: number;
}

export interface DurableEngineOptions {
  /** Orchestrators as the SDK registers them (df.app.orchestration wraps the generator in an executor). */
  readonly orchestrators: Readonly<Record<string, ExecutorHandler>>;
  readonly activities: Readonly<Record<string, ActivityFunction>>;
  readonly clock: Clock;
  /** Also compare activity inputs and timer times on replay (DTFx compares types and names only). Default true. */
  readonly strictReplay?: boolean;
  /** .NET TimeSpan strings, as the extension sends them. */
  readonly maximumShortTimerDuration?: string;
  readonly longRunningTimerIntervalDuration?: string;
  /** Receives one line per orchestrator log call and per engine event worth knowing. */
  readonly log?: (message: string) => void;
  readonly store?: InstanceStore;
  /**
   * "throw" (tests: fail the test at once) or "fail-instance" (a host: fail only that instance, as
   * the Durable extension does, e.g. when code changed under a running instance). Default "throw".
   */
  readonly onNondeterminism?: "throw" | "fail-instance";
  /** Sees every episode as it ran: what the orchestrator was given and what it answered (replay fixtures). */
  readonly onEpisode?: (episode: EpisodeRecord) => void;
}

/** One run of an orchestrator over a history, as recorded for the replay-compatibility test. */
export interface EpisodeRecord {
  readonly name: string;
  readonly instanceId: string;
  readonly execution: number;
  readonly input: unknown;
  readonly history: readonly HistoryEvent[];
  readonly answer: EpisodeAnswer;
}

/** What an orchestrator answered to one episode, in a form two runs can be compared by. */
export interface EpisodeAnswer {
  /** Every action, flattened, with its inputs and timer times. */
  readonly actions: readonly string[];
  readonly isDone: boolean;
  readonly output: unknown;
  readonly customStatus: unknown;
  readonly error: string | null;
}

export interface InstanceStatus {
  readonly instanceId: string;
  readonly name: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly input: unknown;
  readonly output: unknown;
  readonly customStatus: unknown;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
}

export interface ActivityCall {
  readonly name: string;
  readonly input: unknown;
  readonly taskId: number;
}

export class DurableEngine {
  private readonly instances = new Map<string, Instance>();

  constructor(private readonly options: DurableEngineOptions) {}

  get clock(): Clock {
    return this.options.clock;
  }

  /** Starts an orchestration and runs it until it waits for a timer or an event. */
  async startNew(name: string, instanceId: string, input: unknown): Promise<void> {
    const existing = this.instances.get(instanceId);
    if (existing?.runtimeStatus === "Running") throw new Error(`instance ${instanceId} is already running`);
    const instance = new Instance(name, instanceId, input, this.executor(name), this.options);
    this.instances.set(instanceId, instance);
    await instance.serialized(() => instance.start());
  }

  /** Loads the running instances of the store and carries on with them; returns how many. */
  async recover(): Promise<number> {
    const snapshots = (await this.options.store?.loadRunning()) ?? [];
    for (const snapshot of snapshots) {
      const instance = Instance.restore(snapshot, this.executor(snapshot.name), this.options);
      this.instances.set(snapshot.instanceId, instance);
      await instance.serialized(() => instance.resume());
    }
    return snapshots.length;
  }

  /**
   * Raises an external event and runs the instance until it waits again. Like the extension's
   * HTTP API, answers whether the instance exists and is still running to receive it.
   */
  async raiseEvent(
    instanceId: string,
    eventName: string,
    data: unknown,
  ): Promise<"delivered" | "not-found" | "not-running"> {
    const instance = this.instances.get(instanceId);
    if (!instance) return "not-found";
    return instance.serialized(() => instance.raiseEvent(eventName, data));
  }

  async terminate(instanceId: string, reason: string): Promise<"terminated" | "not-found" | "not-running"> {
    const instance = this.instances.get(instanceId);
    if (!instance) return "not-found";
    return instance.serialized(() => instance.terminate(reason));
  }

  getStatus(instanceId: string): InstanceStatus | undefined {
    return this.instances.get(instanceId)?.status();
  }

  /** Every instance started so far, in start order. */
  instanceIds(): readonly string[] {
    return [...this.instances.keys()];
  }

  /** How many executions an instance has had; more than one means it continued as new. */
  executions(instanceId: string): number {
    return this.instance(instanceId).executions;
  }

  /** The instance's history in wire shape, for assertions. */
  history(instanceId: string): readonly HistoryEvent[] {
    return this.instance(instanceId).history;
  }

  /** Every activity execution of the instance, in order. */
  activityCalls(instanceId: string): readonly ActivityCall[] {
    return this.instance(instanceId).activityCalls;
  }

  /** Timers not yet fired, across all instances, earliest first. */
  pendingTimers(): readonly { instanceId: string; timerId: number; fireAt: Date; canceled: boolean }[] {
    return [...this.instances.values()]
      .flatMap((instance) =>
        instance.timers.map((timer) => ({
          instanceId: instance.instanceId,
          timerId: timer.id,
          fireAt: new Date(timer.fireAt),
          canceled: timer.canceled,
        })),
      )
      .sort((a, b) => a.fireAt.getTime() - b.fireAt.getTime());
  }

  /** With a ManualClock: moves time forward by `ms`, firing every timer that falls due, in order. */
  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(this.manualClock().now() + ms);
  }

  /** With a ManualClock: moves time to `time`, stopping at each due timer so it fires at its own time. */
  async advanceTo(time: Date | number): Promise<void> {
    const clock = this.manualClock();
    const target = typeof time === "number" ? time : time.getTime();
    for (;;) {
      const next = this.nextDueTimer(target);
      if (!next) break;
      clock.moveTo(next.timer.fireAt);
      await next.instance.serialized(() => next.instance.fireTimer(next.timer));
    }
    clock.moveTo(target);
  }

  /** Fires every timer due by the clock's current time (for a real clock). */
  async fireDueTimers(): Promise<void> {
    for (;;) {
      const next = this.nextDueTimer(this.options.clock.now());
      if (!next) return;
      await next.instance.serialized(() => next.instance.fireTimer(next.timer));
    }
  }

  /** When the next timer falls due, for a host that sleeps until then. */
  nextTimerAt(): number | undefined {
    return this.pendingTimers()[0]?.fireAt.getTime();
  }

  private nextDueTimer(limit: number): { instance: Instance; timer: PendingTimer } | undefined {
    let best: { instance: Instance; timer: PendingTimer } | undefined;
    for (const instance of this.instances.values()) {
      for (const timer of instance.timers) {
        if (timer.fireAt > limit) continue;
        if (!best || timer.fireAt < best.timer.fireAt) best = { instance, timer };
      }
    }
    return best;
  }

  private executor(name: string): ExecutorHandler {
    const executor = this.options.orchestrators[name];
    if (!executor) throw new Error(`no orchestrator named ${name}`);
    return executor;
  }

  private manualClock(): ManualClock {
    if (!(this.options.clock instanceof ManualClock)) throw new Error("advancing time needs a ManualClock");
    return this.options.clock;
  }

  private instance(instanceId: string): Instance {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new Error(`no instance ${instanceId}`);
    return instance;
  }
}

interface RetryState {
  readonly options: NonNullable<OrchestratorAction["retryOptions"]>;
  attempt: number;
}

interface PendingTimer {
  readonly id: number;
  readonly fireAt: number;
  canceled: boolean;
  /** Set for a DTFx retry timer: the activity to schedule again when it fires. */
  readonly retry?: { readonly name: string; readonly input: unknown; readonly state: RetryState };
}

interface ActivityWork {
  readonly taskId: number;
  readonly name: string;
  readonly input: unknown;
  readonly retry?: RetryState;
}

interface RecordedAction {
  readonly key: string;
  readonly strictKey: string;
  readonly timer?: PendingTimer;
}

const DEFAULT_MAX_SHORT_TIMER = "6.00:00:00";
const DEFAULT_LONG_TIMER_INTERVAL = "3.00:00:00";

class Instance {
  history: HistoryEvent[] = [];
  readonly activityCalls: ActivityCall[] = [];
  timers: PendingTimer[] = [];
  runtimeStatus: RuntimeStatus = "Running";
  private output: unknown;
  private customStatus: unknown;
  private createdTime: number;
  private lastUpdatedTime: number;
  /** How many executions this instance has had (continueAsNew starts another). */
  executions = 1;
  private recorded: RecordedAction[] = [];
  private nextSequence = 0;
  /** Events delivered to the orchestrator in the next episode. */
  private inbox: HistoryEvent[] = [];
  /** Events the extension itself records after the next episode (retry bookkeeping). */
  private produced: HistoryEvent[] = [];
  private work: ActivityWork[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private readonly strict: boolean;

  constructor(
    readonly name: string,
    readonly instanceId: string,
    private input: unknown,
    private readonly executor: ExecutorHandler,
    private readonly options: DurableEngineOptions,
  ) {
    this.createdTime = this.lastUpdatedTime = options.clock.now();
    this.strict = options.strictReplay ?? true;
  }

  static restore(snapshot: InstanceSnapshot, executor: ExecutorHandler, options: DurableEngineOptions): Instance {
    const instance = new Instance(snapshot.name, snapshot.instanceId, snapshot.input, executor, options);
    instance.runtimeStatus = snapshot.runtimeStatus;
    instance.output = snapshot.output;
    instance.customStatus = snapshot.customStatus;
    instance.createdTime = snapshot.createdTime;
    instance.lastUpdatedTime = snapshot.lastUpdatedTime;
    instance.history = snapshot.history.map((event) => ({ ...event }));
    instance.nextSequence = snapshot.nextSequence;
    instance.executions = snapshot.executions;
    instance.timers = snapshot.timers.map((timer) => ({ ...timer }));
    instance.work = snapshot.work.map((work) => ({ ...work }));
    instance.recorded = snapshot.recorded.map(({ key, strictKey, timerId }) => {
      const timer = instance.timers.find((pending) => pending.id === timerId);
      return { key, strictKey, ...(timer ? { timer } : {}) };
    });
    return instance;
  }

  snapshot(): InstanceSnapshot {
    return JSON.parse(
      JSON.stringify({
        name: this.name,
        instanceId: this.instanceId,
        input: this.input ?? null,
        runtimeStatus: this.runtimeStatus,
        output: this.output ?? null,
        customStatus: this.customStatus ?? null,
        createdTime: this.createdTime,
        lastUpdatedTime: this.lastUpdatedTime,
        history: this.history,
        recorded: this.recorded.map(({ key, strictKey, timer }) => ({
          key,
          strictKey,
          ...(timer ? { timerId: timer.id } : {}),
        })),
        nextSequence: this.nextSequence,
        executions: this.executions,
        timers: this.timers,
        work: this.work,
      }),
    ) as InstanceSnapshot;
  }

  /** Carries on after a restart: activities that were running when the host stopped run again. */
  async resume(): Promise<void> {
    await this.drainWork();
  }

  /** Runs operations on this instance one at a time, as the extension's work-item queue does. */
  serialized<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation);
    this.tail = result.catch(() => undefined);
    return result;
  }

  status(): InstanceStatus {
    return {
      instanceId: this.instanceId,
      name: this.name,
      runtimeStatus: this.runtimeStatus,
      input: this.input,
      output: this.output ?? null,
      customStatus: this.customStatus ?? null,
      createdTime: new Date(this.createdTime).toISOString(),
      lastUpdatedTime: new Date(this.lastUpdatedTime).toISOString(),
    };
  }

  async start(): Promise<void> {
    this.inbox.push(
      historyEvent("ExecutionStarted", this.now(), { name: this.name, input: JSON.stringify(this.input ?? null) }),
    );
    await this.runUntilIdle();
  }

  async raiseEvent(eventName: string, data: unknown): Promise<"delivered" | "not-running"> {
    if (this.runtimeStatus !== "Running") return "not-running";
    this.inbox.push(
      historyEvent("EventRaised", this.now(), {
        name: eventName,
        input: data === undefined ? undefined : JSON.stringify(data),
      }),
    );
    await this.runUntilIdle();
    return "delivered";
  }

  async terminate(reason: string): Promise<"terminated" | "not-running"> {
    if (this.runtimeStatus !== "Running") return "not-running";
    this.output = reason;
    this.finish(
      "Terminated",
      terminalEvent(EventType.ExecutionTerminated, this.now(), { Input: JSON.stringify(reason) }),
    );
    await this.save();
    return "terminated";
  }

  async fireTimer(timer: PendingTimer): Promise<void> {
    if (!this.timers.includes(timer)) return;
    this.timers = this.timers.filter((pending) => pending !== timer);
    this.inbox.push(historyEvent("TimerFired", this.now(), { timerId: timer.id, fireAt: new Date(timer.fireAt) }));
    if (timer.retry) this.retryAfterTimer(timer.retry);
    await this.runUntilIdle();
  }

  private async runUntilIdle(): Promise<void> {
    await this.episode();
    await this.drainWork();
  }

  private async drainWork(): Promise<void> {
    while (this.work.length > 0 && this.runtimeStatus === "Running") {
      // The work item stays queued (and saved) until its result is in the history, so that a
      // host that stops in between runs it again: activities are at-least-once, as in Durable.
      await this.runActivity(this.work[0]!);
      this.work.shift();
      await this.episode();
    }
  }

  private async save(): Promise<void> {
    await this.options.store?.save(this.snapshot());
  }

  private async runActivity(work: ActivityWork): Promise<void> {
    const handler = this.options.activities[work.name]!;
    const input = decodeActivityInput(JSON.parse(JSON.stringify(work.input ?? null)));
    this.activityCalls.push({ name: work.name, input, taskId: work.taskId });
    const context = new InvocationContext({
      functionName: work.name,
      invocationId: `${this.instanceId}:${work.taskId}`,
      options: { trigger: { type: "activityTrigger", name: "input" } },
      logHandler: (_level, ...args) => this.options.log?.(`[${work.name}] ${args.map(String).join(" ")}`),
    });
    const started = Date.now();
    const done = (outcome: string) =>
      this.options.log?.(
        `activity ${work.name} (${this.instanceId}#${work.taskId}) ${outcome} ${Date.now() - started}ms`,
      );
    try {
      const result = await handler(input, context);
      this.inbox.push(
        historyEvent("TaskCompleted", this.now(), {
          taskScheduledId: work.taskId,
          result: JSON.stringify(result ?? null),
        }),
      );
      done("ok");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      done(`failed: ${message.split("\n")[0]}`);
      this.inbox.push(
        historyEvent("TaskFailed", this.now(), {
          taskScheduledId: work.taskId,
          reason: `Activity function '${work.name}' failed: ${message}`,
          details: error instanceof Error ? (error.stack ?? "") : "",
        }),
      );
      if (work.retry) this.scheduleRetryTimer(work);
    }
  }

  /** DTFx's retry interceptor: a timer after every failed attempt, the delay growing by the coefficient. */
  private scheduleRetryTimer(work: ActivityWork): void {
    const { options, attempt } = work.retry!;
    let delay = options.firstRetryIntervalInMilliseconds * Math.pow(options.backoffCoefficient ?? 1, attempt);
    if (options.maxRetryIntervalInMilliseconds) delay = Math.min(delay, options.maxRetryIntervalInMilliseconds);
    this.addTimer(this.now().getTime() + delay, this.produced, {
      name: work.name,
      input: work.input,
      state: work.retry!,
    });
  }

  private retryAfterTimer(retry: NonNullable<PendingTimer["retry"]>): void {
    retry.state.attempt++;
    if (retry.state.attempt < retry.state.options.maxNumberOfAttempts)
      this.schedule(retry.name, retry.input, this.produced, retry.state);
  }

  /** One work item: the orchestrator replays the whole history plus the new events. */
  private async episode(): Promise<void> {
    const started = historyEvent("OrchestratorStarted", this.now());
    for (const event of this.history) event.IsPlayed = true;
    this.history.push(started, ...this.inbox);
    this.inbox = [];
    const state = await this.execute();
    try {
      await this.applyEpisode(state);
    } catch (error) {
      if (!(error instanceof NondeterminismError) || this.options.onNondeterminism !== "fail-instance") throw error;
      this.fail(error.message);
      await this.save();
    }
  }

  private async applyEpisode(state: OrchestratorState): Promise<void> {
    const scheduled: HistoryEvent[] = [];
    const unknownActivity = flattenActions(state).find(
      (action) => isActivityCall(action) && !(action.functionName! in this.options.activities),
    );
    if (unknownActivity) {
      // The extension refuses to schedule an activity that is not registered, and fails the instance.
      this.fail(
        `The function '${unknownActivity.functionName}' doesn't exist, is disabled, or is not an activity function.`,
      );
      await this.save();
      return;
    }
    this.applyActions(state, scheduled);
    const continued = flattenActions(state).find((action) => action.actionType === ActionType.ContinueAsNew);
    if (continued && state.isDone && state.error === undefined) {
      await this.continueAsNew(continued.input);
      return;
    }
    this.history.push(...scheduled, ...this.produced);
    this.produced = [];
    this.customStatus = state.customStatus;
    this.lastUpdatedTime = this.options.clock.now();
    if (state.error !== undefined) {
      this.fail(state.error);
    } else if (state.isDone) {
      this.output = state.output;
      // DTFx keeps an instance running while it has timers the orchestrator did not cancel.
      const waiting = this.timers.some((timer) => !timer.canceled) || this.work.length > 0;
      if (!waiting)
        this.finish(
          "Completed",
          terminalEvent(EventType.ExecutionCompleted, this.now(), { Result: JSON.stringify(state.output ?? null) }),
        );
    }
    this.history.push(historyEvent("OrchestratorCompleted", this.now()));
    await this.save();
  }

  /** Ends this execution and starts the next with `input`, as DTFx does for ContinueAsNew. */
  private async continueAsNew(input: unknown): Promise<void> {
    this.input = decodeActivityInput(input);
    this.history = [];
    this.recorded = [];
    this.nextSequence = 0;
    this.timers = [];
    this.work = [];
    this.produced = [];
    this.executions++;
    this.inbox.unshift(
      historyEvent("ExecutionStarted", this.now(), { name: this.name, input: JSON.stringify(this.input ?? null) }),
    );
    await this.episode();
  }

  private async execute(): Promise<OrchestratorState> {
    const state = await runOrchestrator(this.executor, {
      name: this.name,
      instanceId: this.instanceId,
      input: this.input,
      history: this.history,
      options: this.options,
      log: (message) => this.options.log?.(`[${this.name} ${this.instanceId}] ${message}`),
    });
    this.options.onEpisode?.({
      name: this.name,
      instanceId: this.instanceId,
      execution: this.executions,
      input: this.input ?? null,
      history: JSON.parse(JSON.stringify(this.history)) as HistoryEvent[],
      answer: episodeAnswer(state),
    });
    return state;
  }

  /** Matches the replayed actions against the recorded ones, and schedules the new ones. */
  private applyActions(state: OrchestratorState, scheduled: HistoryEvent[]): void {
    const actions = flattenActions(state);
    const ended = state.isDone || state.error !== undefined;
    if (actions.length < this.recorded.length && !ended) {
      throw new NondeterminismError(
        `${this.instanceId}: the replay produced ${actions.length} actions but the history has ${this.recorded.length}`,
      );
    }
    actions.forEach((action, index) => {
      const known = this.recorded[index];
      if (known) {
        this.checkReplay(known, action, index);
        if (action.actionType === ActionType.CreateTimer && action.isCanceled && known.timer)
          known.timer.canceled = true;
        return;
      }
      this.recorded.push(this.record(action, scheduled));
    });
  }

  private checkReplay(known: RecordedAction, action: OrchestratorAction, index: number): void {
    if (known.key !== actionKey(action)) {
      throw new NondeterminismError(
        `${this.instanceId}: non-deterministic orchestrator at action #${index}: the history has ${known.key}, the replay produced ${actionKey(action)}`,
      );
    }
    if (this.strict && known.strictKey !== strictActionKey(action)) {
      throw new NondeterminismError(
        `${this.instanceId}: action #${index} changed between replays: ${known.strictKey} became ${strictActionKey(action)}`,
      );
    }
  }

  private record(action: OrchestratorAction, scheduled: HistoryEvent[]): RecordedAction {
    const recorded = { key: actionKey(action), strictKey: strictActionKey(action) };
    switch (action.actionType) {
      case ActionType.CallActivity:
        this.schedule(action.functionName!, action.input, scheduled);
        return recorded;
      case ActionType.CallActivityWithRetry:
        this.schedule(action.functionName!, action.input, scheduled, { options: action.retryOptions!, attempt: 0 });
        return recorded;
      case ActionType.CreateTimer:
        return { ...recorded, timer: this.addTimer(Date.parse(action.fireAt!), scheduled) };
      case ActionType.WaitForExternalEvent:
        return recorded; // no sequence number: EventRaised is matched by name
      case ActionType.ContinueAsNew:
        return recorded; // ends the execution; see applyEpisode
      default:
        throw new Error(
          `${this.instanceId}: the engine does not support orchestrator action type ${action.actionType}`,
        );
    }
  }

  private schedule(name: string, input: unknown, into: HistoryEvent[], retry?: RetryState): void {
    const taskId = this.nextSequence++;
    into.push(historyEvent("TaskScheduled", this.now(), { name, input: JSON.stringify(input ?? null) }, taskId));
    this.work.push({ taskId, name, input, ...(retry ? { retry } : {}) });
  }

  private addTimer(fireAt: number, into: HistoryEvent[], retry?: PendingTimer["retry"]): PendingTimer {
    const timer: PendingTimer = { id: this.nextSequence++, fireAt, canceled: false, ...(retry ? { retry } : {}) };
    into.push(historyEvent("TimerCreated", this.now(), { fireAt: new Date(fireAt) }, timer.id));
    this.timers.push(timer);
    return timer;
  }

  private fail(reason: string): void {
    this.options.log?.(`[${this.name} ${this.instanceId}] failed: ${reason.split("\n")[0]}`);
    this.output = reason;
    this.finish("Failed", terminalEvent(EventType.ExecutionFailed, this.now(), { Reason: reason }));
  }

  private finish(status: Exclude<RuntimeStatus, "Running">, event: HistoryEvent): void {
    this.runtimeStatus = status;
    this.history.push(event);
    this.timers = [];
    this.work = [];
    this.lastUpdatedTime = this.options.clock.now();
  }

  private now(): Date {
    return new Date(this.options.clock.now());
  }
}

/** What the orchestrator needs to run one episode, as the extension sends it. */
export interface OrchestratorRun {
  readonly name: string;
  readonly instanceId: string;
  readonly input: unknown;
  readonly history: readonly HistoryEvent[];
  readonly options?: Pick<DurableEngineOptions, "maximumShortTimerDuration" | "longRunningTimerIntervalDuration">;
  readonly log?: (message: string) => void;
}

/** Runs an orchestrator once over a whole history through durable-functions' replay executor. */
export async function runOrchestrator(executor: ExecutorHandler, run: OrchestratorRun): Promise<OrchestratorState> {
  const trigger = JSON.parse(
    JSON.stringify({
      history: run.history,
      input: run.input ?? null,
      instanceId: run.instanceId,
      isReplaying: false,
      parentInstanceId: null,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: REPLAY_SCHEMA_V3,
      maximumShortTimerDuration: run.options?.maximumShortTimerDuration ?? DEFAULT_MAX_SHORT_TIMER,
      longRunningTimerIntervalDuration: run.options?.longRunningTimerIntervalDuration ?? DEFAULT_LONG_TIMER_INTERVAL,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    }),
  ) as Record<string, unknown>;
  const context = new OrchestrationInvocationContext(
    run.name,
    `${run.instanceId}:${run.history.length}`,
    (level, ...args) => run.log?.(`${level}: ${args.map(String).join(" ")}`),
  );
  try {
    return JSON.parse(JSON.stringify(await executor(trigger, context))) as OrchestratorState;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = message.indexOf(OUT_OF_PROC_LABEL);
    if (at < 0) throw error; // not an orchestration failure: a bug in the SDK or in this engine
    return JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorState;
  }
}

/** An episode's result in comparable form: the actions with their inputs, and how it stands. */
export function episodeAnswer(state: OrchestratorState): EpisodeAnswer {
  return {
    actions: flattenActions(state).map(strictActionKey),
    isDone: state.isDone,
    output: state.output ?? null,
    customStatus: state.customStatus ?? null,
    error: state.error ?? null,
  };
}

function isActivityCall(action: OrchestratorAction): boolean {
  return action.actionType === ActionType.CallActivity || action.actionType === ActionType.CallActivityWithRetry;
}

/** The actions of a state in order, compound actions (Task.any/all) flattened into their parts. */
function flattenActions(state: OrchestratorState): OrchestratorAction[] {
  const flat: OrchestratorAction[] = [];
  const walk = (action: OrchestratorAction): void => {
    if (action.actionType === ActionType.WhenAny || action.actionType === ActionType.WhenAll)
      action.compoundActions?.forEach(walk);
    else flat.push(action);
  };
  if (state.actions.length > 1) throw new Error(`replay schema V3 sends one action list, got ${state.actions.length}`);
  state.actions[0]?.forEach(walk);
  return flat;
}

function actionKey(action: OrchestratorAction): string {
  return `${action.actionType}:${action.functionName ?? action.externalEventName ?? ""}`;
}

function strictActionKey(action: OrchestratorAction): string {
  return `${actionKey(action)}|${JSON.stringify(action.input ?? null)}|${action.fireAt ?? ""}`;
}

/** Activities receive decoded input; the SDK JSON-encodes string inputs once more (Utils.processInput). */
function decodeActivityInput(input: unknown): unknown {
  return typeof input === "string" ? JSON.parse(input) : input;
}
