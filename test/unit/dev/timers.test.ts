// The offline host's timers: a schedule further off than setTimeout reaches still fires when due,
// not at once (a yearly timer used to fire in a loop).
import { afterEach, describe, expect, it, vi } from "vitest";
import { callAt } from "../../../dev/host/offlineHost.js";

const DAY_MS = 24 * 60 * 60_000;

describe("the offline host's timers", () => {
  afterEach(() => vi.useRealTimers());

  it("fires a schedule 40 days off when it is due, not before", () => {
    vi.useFakeTimers({ now: new Date("2026-12-02T00:00:00Z") });
    const run = vi.fn();
    const timers: NodeJS.Timeout[] = [];
    callAt(new Date(Date.now() + 40 * DAY_MS), run, (timer) => timers.push(timer));
    vi.advanceTimersByTime(1);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(40 * DAY_MS - 2);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(timers.length).toBe(2);
  });

  it("fires a due or past schedule at once", () => {
    vi.useFakeTimers();
    const run = vi.fn();
    callAt(new Date(Date.now() - 5), run, () => undefined);
    vi.advanceTimersByTime(0);
    expect(run).toHaveBeenCalledTimes(1);
  });
});
