// Tests of the durable test engine itself: if it misbehaved, every workflow test would lie.
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../dev/durable/clock.js";
import {
  DurableEngine,
  NondeterminismError,
  type ActivityFunction,
  type InstanceSnapshot,
  type InstanceStore,
} from "../../dev/durable/engine.js";
import { createExecutor, EventType } from "../../dev/durable/sdk.js";

const T0 = new Date("2026-11-28T10:00:00.000Z");

function engine(
  orchestrator: OrchestrationHandler,
  activities: Record<string, ActivityFunction> = {},
  strictReplay = true,
) {
  const clock = new ManualClock(T0);
  return {
    clock,
    engine: new DurableEngine({ orchestrators: { o: createExecutor(orchestrator) }, activities, clock, strictReplay }),
  };
}

const later = (context: OrchestrationContext, ms: number) => new Date(context.df.currentUtcDateTime.getTime() + ms);

describe("durable engine", () => {
  it("runs activities with their inputs and returns the output", async () => {
    const seen: unknown[] = [];
    const { engine: e } = engine(
      function* (context) {
        const a = (yield context.df.callActivity("double", { n: 2 })) as number;
        const b = (yield context.df.callActivity("echo", "text")) as string;
        return { a, b, input: context.df.getInput() };
      },
      { double: (input) => (input as { n: number }).n * 2, echo: (input) => (seen.push(input), input) },
    );
    await e.startNew("o", "i1", { x: 1 });
    expect(e.getStatus("i1")).toMatchObject({
      runtimeStatus: "Completed",
      output: { a: 4, b: "text", input: { x: 1 } },
    });
    expect(seen).toEqual(["text"]);
    expect(e.activityCalls("i1").map((call) => [call.name, call.taskId])).toEqual([
      ["double", 0],
      ["echo", 1],
    ]);
    const types = e.history("i1").map((event) => event.EventType);
    expect(types.filter((type) => type === EventType.TaskScheduled)).toHaveLength(2);
    expect(types.at(-2)).toBe(EventType.ExecutionCompleted);
  });

  it("fires a timer at its time and not before, with currentUtcDateTime at the fire time", async () => {
    const { engine: e } = engine(function* (context) {
      yield context.df.createTimer(later(context, 60_000));
      return context.df.currentUtcDateTime.toISOString();
    });
    await e.startNew("o", "i", null);
    await e.advanceBy(59_999);
    expect(e.getStatus("i")?.runtimeStatus).toBe("Running");
    await e.advanceBy(1);
    expect(e.getStatus("i")).toMatchObject({ runtimeStatus: "Completed", output: "2026-11-28T10:01:00.000Z" });
  });

  it("fires timers of several instances in time order", async () => {
    const order: string[] = [];
    const { engine: e } = engine(
      function* (context) {
        const { delay } = context.df.getInput<{ delay: number }>();
        yield context.df.createTimer(later(context, delay));
        yield context.df.callActivity("mark", context.df.instanceId);
      },
      { mark: (id) => order.push(id as string) },
    );
    await e.startNew("o", "slow", { delay: 30_000 });
    await e.startNew("o", "fast", { delay: 10_000 });
    await e.advanceBy(60_000);
    expect(order).toEqual(["fast", "slow"]);
  });

  it("keeps an instance running while it has a timer it did not cancel, as DTFx does", async () => {
    const race = (cancel: boolean): OrchestrationHandler =>
      function* (context) {
        const timer = context.df.createTimer(later(context, 3_600_000));
        const event = context.df.waitForExternalEvent("go");
        const winner: unknown = yield context.df.Task.any([event, timer]);
        if (winner === event && cancel) timer.cancel();
        return winner === event ? "event" : "timer";
      };
    const tidy = engine(race(true)).engine;
    await tidy.startNew("o", "i", null);
    await tidy.raiseEvent("i", "go", null);
    expect(tidy.getStatus("i")).toMatchObject({ runtimeStatus: "Completed", output: "event" });

    const untidy = engine(race(false)).engine;
    await untidy.startNew("o", "i", null);
    await untidy.raiseEvent("i", "go", null);
    expect(untidy.getStatus("i")?.runtimeStatus).toBe("Running");
    await untidy.advanceBy(3_600_000);
    expect(untidy.getStatus("i")).toMatchObject({ runtimeStatus: "Completed", output: "event" });
  });

  it("keeps events raised before anyone waits for them", async () => {
    const { engine: e } = engine(function* (context) {
      yield context.df.createTimer(later(context, 1_000));
      return (yield context.df.waitForExternalEvent("go")) as unknown;
    });
    await e.startNew("o", "i", null);
    expect(await e.raiseEvent("i", "go", { early: true })).toBe("delivered");
    await e.advanceBy(1_000);
    expect(e.getStatus("i")).toMatchObject({ runtimeStatus: "Completed", output: { early: true } });
  });

  it("answers raised events like the extension: unknown instance, ended instance", async () => {
    const { engine: e } = engine(
      function* (context) {
        yield context.df.callActivity("a", null);
        return "done";
      },
      { a: () => 1 },
    );
    expect(await e.raiseEvent("nobody", "go", null)).toBe("not-found");
    await e.startNew("o", "i", null);
    expect(await e.raiseEvent("i", "go", null)).toBe("not-running");
  });

  it("retries as DTFx does: a timer after each failure, growing by the coefficient, then success", async () => {
    let failures = 2;
    const { engine: e, clock } = engine(
      function* (context) {
        const retry = new df.RetryOptions(1_000, 5);
        retry.backoffCoefficient = 2;
        return (yield context.df.callActivityWithRetry("flaky", retry, null)) as string;
      },
      {
        flaky: () => {
          if (failures-- > 0) throw new Error("busy");
          return "ok";
        },
      },
    );
    await e.startNew("o", "i", null);
    expect(e.pendingTimers().map((timer) => timer.fireAt.getTime() - clock.now())).toEqual([1_000]);
    await e.advanceBy(1_000);
    expect(e.pendingTimers().map((timer) => timer.fireAt.getTime() - clock.now())).toEqual([2_000]);
    await e.advanceBy(2_000);
    expect(e.getStatus("i")).toMatchObject({ runtimeStatus: "Completed", output: "ok" });
    const trail = e
      .history("i")
      .filter((event) =>
        [
          EventType.TaskScheduled,
          EventType.TaskFailed,
          EventType.TaskCompleted,
          EventType.TimerCreated,
          EventType.TimerFired,
        ].includes(event.EventType as never),
      )
      .map(
        (event) =>
          `${event.EventType}:${event.EventId >= 0 ? event.EventId : ((event.TaskScheduledId ?? event.TimerId) as number)}`,
      );
    expect(trail).toEqual(["4:0", "6:0", "10:1", "11:1", "4:2", "6:2", "10:3", "11:3", "4:4", "5:4"]);
  });

  it("hands the last failure to the orchestrator after the last attempt", async () => {
    const { engine: e } = engine(
      function* (context) {
        try {
          yield context.df.callActivityWithRetry("broken", new df.RetryOptions(1_000, 3), null);
          return "unexpected";
        } catch (error) {
          return String(error).split("\n")[0];
        }
      },
      {
        broken: () => {
          throw new Error("still broken");
        },
      },
    );
    await e.startNew("o", "i", null);
    await e.advanceBy(60_000);
    expect(e.activityCalls("i")).toHaveLength(3);
    expect(e.getStatus("i")).toMatchObject({
      runtimeStatus: "Completed",
      output: expect.stringContaining("still broken"),
    });
  });

  it("fails the instance when the orchestrator throws", async () => {
    const { engine: e } = engine(function* (context) {
      yield context.df.createTimer(later(context, 1));
      throw new Error("boom");
    });
    await e.startNew("o", "i", null);
    await e.advanceBy(1);
    expect(e.getStatus("i")).toMatchObject({ runtimeStatus: "Failed", output: expect.stringContaining("boom") });
  });

  it("fails the instance when an activity is not registered, as the extension does", async () => {
    const { engine: e } = engine(function* (context) {
      yield context.df.callActivity("missing", null);
    });
    await e.startNew("o", "i", null);
    expect(e.getStatus("i")).toMatchObject({
      runtimeStatus: "Failed",
      output: expect.stringContaining("'missing' doesn't exist"),
    });
  });

  it("continues as new: a fresh execution with the new input and an empty history", async () => {
    const { engine: e } = engine(
      function* (context) {
        const round = context.df.getInput<number>();
        yield context.df.callActivity("work", round);
        yield context.df.createTimer(later(context, 1_000));
        if (round < 5) {
          context.df.continueAsNew(round + 1);
          return undefined;
        }
        return `done after ${round}`;
      },
      { work: (round) => round },
    );
    await e.startNew("o", "i", 1);
    expect(e.executions("i")).toBe(1);
    const lengths: number[] = [];
    for (let i = 0; i < 5; i++) {
      await e.advanceBy(1_000);
      lengths.push(e.history("i").length);
    }
    expect(e.getStatus("i")).toMatchObject({ runtimeStatus: "Completed", output: "done after 5", input: 5 });
    expect(e.executions("i")).toBe(5);
    expect(Math.max(...lengths)).toBeLessThan(20); // each execution starts from scratch
    expect(e.activityCalls("i").map((call) => call.input)).toEqual([1, 2, 3, 4, 5]);
  });

  it("terminates an instance and forgets its timers", async () => {
    const { engine: e } = engine(function* (context) {
      yield context.df.createTimer(later(context, 60_000));
    });
    await e.startNew("o", "i", null);
    expect(await e.terminate("i", "operator")).toBe("terminated");
    expect(e.getStatus("i")).toMatchObject({ runtimeStatus: "Terminated", output: "operator" });
    expect(e.pendingTimers()).toEqual([]);
    expect(await e.terminate("i", "again")).toBe("not-running");
  });
});

describe("durable engine: replay determinism", () => {
  it("detects a code path that changed between replays", async () => {
    let flag = false;
    const { engine: e } = engine(
      function* (context) {
        yield context.df.callActivity(flag ? "b" : "a", null);
        yield context.df.waitForExternalEvent("go");
      },
      { a: () => 1, b: () => 2 },
      false,
    );
    await e.startNew("o", "i", null);
    flag = true;
    await expect(e.raiseEvent("i", "go", null)).rejects.toThrow(NondeterminismError);
  });

  it("detects a timer computed from the wall clock (strict replay compares fire times)", async () => {
    let wallClock = T0.getTime();
    const { engine: e } = engine(
      function* (context) {
        yield context.df.callActivity("a", null);
        yield context.df.createTimer(new Date(wallClock + 60_000)); // the bug: not currentUtcDateTime
      },
      { a: () => 1 },
    );
    await e.startNew("o", "i", null);
    wallClock += 5_000;
    await expect(e.advanceBy(60_000)).rejects.toThrow(/changed between replays/);
  });

  it("detects activity inputs that differ between replays", async () => {
    let counter = 0;
    const { engine: e } = engine(
      function* (context) {
        yield context.df.callActivity("a", { n: counter++ });
        yield context.df.waitForExternalEvent("go");
      },
      { a: () => 1 },
    );
    // The activity's completion is the first replay, and it already differs.
    await expect(e.startNew("o", "i", null)).rejects.toThrow(/action #0 changed between replays/);
  });

  it("passes a deterministic orchestrator through every replay", async () => {
    const { engine: e } = engine(
      function* (context) {
        for (let i = 0; i < 3; i++) {
          yield context.df.callActivity("a", { i, at: context.df.currentUtcDateTime.toISOString() });
          yield context.df.createTimer(later(context, 1_000));
        }
        return "done";
      },
      { a: () => 1 },
    );
    await e.startNew("o", "i", null);
    await e.advanceBy(10_000);
    expect(e.getStatus("i")).toMatchObject({ runtimeStatus: "Completed", output: "done" });
  });
});

describe("durable engine: recovery after a restart", () => {
  class MemoryStore implements InstanceStore {
    readonly rows = new Map<string, string>();
    async save(snapshot: InstanceSnapshot) {
      this.rows.set(snapshot.instanceId, JSON.stringify(snapshot));
    }
    async loadRunning() {
      return [...this.rows.values()]
        .map((row) => JSON.parse(row) as InstanceSnapshot)
        .filter((snapshot) => snapshot.runtimeStatus === "Running");
    }
  }

  const windowLike: OrchestrationHandler = function* (context) {
    yield context.df.callActivity("open", null);
    const timer = context.df.createTimer(later(context, 60_000));
    const close = context.df.waitForExternalEvent("close");
    const winner: unknown = yield context.df.Task.any([timer, close]);
    if (winner === close) timer.cancel();
    yield context.df.callActivity("lock", winner === close ? "closed" : "deadline");
    return "locked";
  };

  function host(store: MemoryStore, clock: ManualClock, activities: Record<string, ActivityFunction>) {
    return new DurableEngine({ orchestrators: { o: createExecutor(windowLike) }, activities, clock, store });
  }

  it("fires a timer that fell due while the host was down, once it is back", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(T0);
    const locks: string[] = [];
    const first = host(store, clock, { open: () => "ok", lock: (why) => locks.push(why as string) });
    await first.startNew("o", "i", null);
    // the host stops here; time passes beyond the deadline
    clock.advance(5 * 60_000);
    const second = host(store, clock, { open: () => "ok", lock: (why) => locks.push(why as string) });
    expect(await second.recover()).toBe(1);
    await second.fireDueTimers();
    expect(locks).toEqual(["deadline"]);
    expect(second.getStatus("i")).toMatchObject({ runtimeStatus: "Completed", output: "locked" });
    expect(await second.raiseEvent("i", "close", null)).toBe("not-running");
    expect(await store.loadRunning()).toEqual([]);
  });

  it("takes events after a restart, with the history replayed unchanged", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(T0);
    await host(store, clock, { open: () => "ok", lock: () => null }).startNew("o", "i", null);
    const second = host(store, clock, { open: () => "ok", lock: () => null });
    await second.recover();
    await second.raiseEvent("i", "close", null);
    expect(second.getStatus("i")?.runtimeStatus).toBe("Completed");
    expect(second.activityCalls("i").map((call) => [call.name, call.input])).toEqual([["lock", "closed"]]);
  });

  it("fails only the instance whose history no longer matches the code, when a host asks for that", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(T0);
    await host(store, clock, { open: () => "ok", lock: () => null }).startNew("o", "i", null);
    const changed: OrchestrationHandler = function* (context) {
      yield context.df.callActivity("renamed", null); // the code changed under a running instance
    };
    const upgraded = new DurableEngine({
      orchestrators: { o: createExecutor(changed) },
      activities: { renamed: () => null },
      clock,
      store,
      onNondeterminism: "fail-instance",
    });
    expect(await upgraded.recover()).toBe(1);
    await upgraded.advanceBy(60_000); // the next episode replays the old history against the new code
    expect(upgraded.getStatus("i")).toMatchObject({
      runtimeStatus: "Failed",
      output: expect.stringContaining("non-deterministic"),
    });
    expect(await store.loadRunning()).toEqual([]);
  });

  it("runs an activity again when the host stopped while it ran (at least once)", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(T0);
    const hanging = host(store, clock, { open: () => new Promise(() => undefined), lock: () => null });
    void hanging.startNew("o", "i", null); // never finishes: the host "dies" inside the activity
    await vi.waitFor(() => expect(store.rows.size).toBe(1));
    const second = host(store, clock, { open: () => "ok", lock: () => null });
    await second.recover();
    expect(second.activityCalls("i").map((call) => call.name)).toEqual(["open"]);
    expect(second.pendingTimers()).toHaveLength(1);
  });
});
