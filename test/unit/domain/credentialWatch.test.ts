// The evidence watch's rules, one row per rule: which calls are a use after a window, what a query
// moves on, when a window leaves the watch.
import { describe, expect, it } from "vitest";
import {
  attribute,
  endedWatches,
  readCalls,
  readStart,
  withFetches,
  withOpenWindow,
  withRotations,
  type ClusterWatch,
  type WatchedWindowState,
  type WatchTiming,
} from "../../../src/domain/credentialWatch.js";
import { at, call, date, window } from "../../support/watchRules.js";

const timing: WatchTiming = { ingestionDelayMs: 60_000, completionSlackMs: 0, activityLogLagMs: 10 * 60_000 };

describe("which window a call is a use after", () => {
  const watch: ClusterWatch = {
    windows: [window("r1", 0, 10), window("r2", 20, 30)],
    openPeriods: [{ from: at(40), to: at(45) }, { from: at(50) }],
  };
  it.each<[string, number, string | undefined]>([
    ["before any lockdown", 5, undefined],
    ["after the first lockdown", 15, "r1"],
    ["inside a later watched window (its own calls)", 25, undefined],
    ["after the later lockdown: the latest locked before it", 35, "r2"],
    ["inside a window the watch saw open", 42, undefined],
    ["inside a window open now", 55, undefined],
  ])("%s", (_, minute, owner) => {
    expect(attribute(watch, call("c", minute))?.requestId).toBe(owner);
  });

  it("not to a later window known to have had no admin credential fetched, when an earlier one may have", () => {
    const none = { windows: [window("r1", 0, 10), window("r2", 20, 30, { fetchedBy: [] })] };
    expect(attribute(none, call("c", 35))?.requestId).toBe("r1");
    const unknown = { windows: [window("r1", 0, 10, { fetchedBy: [] }), window("r2", 20, 30, { fetchedBy: [] })] };
    expect(attribute(unknown, call("c", 35))?.requestId).toBe("r2");
  });

  it("none after the certificates were rotated: the credential no longer works", () => {
    const rotated = withRotations(watch, [at(33)]);
    expect(attribute(rotated, call("c", 32))?.requestId).toBe("r2");
    expect(attribute(rotated, call("c", 34))).toBeUndefined();
  });
});

describe("rotations", () => {
  it("mark each window with the first rotation after its lockdown, not one before it", () => {
    const watch = withRotations({ windows: [window("r1", 0, 10), window("r2", 20, 30)] }, [at(35), at(15), at(5)]);
    expect(watch.windows.map((watched) => watched.rotatedAt)).toEqual([at(15), at(35)]);
    expect(withRotations(watch, [at(12)]).windows[0]!.rotatedAt).toBe(at(12));
    expect(withRotations(watch, [at(40)]).windows[0]!.rotatedAt).toBe(at(15));
  });
});

describe("admin-credential fetches", () => {
  const watch: ClusterWatch = { windows: [window("r1", 0, 10)] };
  it("are believed only once the Activity Log had time to catch up with the lockdown", () => {
    expect(withFetches(watch, "r1", [], date(19), timing).windows[0]!.fetchedBy).toBeUndefined();
    expect(withFetches(watch, "r1", ["alice", "alice"], date(20), timing).windows[0]!.fetchedBy).toEqual(["alice"]);
  });
});

describe("reading calls", () => {
  const watch: ClusterWatch = { windows: [window("r1", 0, 10)] };
  const range = { from: date(10), to: date(20) };

  it("finds calls not seen before once, and moves on to what had time to arrive", () => {
    const first = readCalls(watch, { calls: [call("a", 12), call("b", 19.5)], truncated: false }, range, timing);
    expect([...first.found]).toEqual([["r1", [call("a", 12), call("b", 19.5)]]]);
    expect(first.watch.readFrom).toBe(at(19));
    expect(first.watch.seen).toEqual([{ id: "b", at: at(19.5) }]);
    expect(first.watch.windows[0]).toMatchObject({ read: true, callsFound: 2 });
    const again = readCalls(
      first.watch,
      { calls: [call("b", 19.5), call("c", 21)], truncated: false },
      { from: date(19), to: date(25) },
      timing,
    );
    expect([...again.found]).toEqual([["r1", [call("c", 21)]]]);
    expect(again.watch.windows[0]!.callsFound).toBe(3);
  });

  it("re-reads the completion slack too: a long call's row lands when it completes", () => {
    const slack = { ...timing, completionSlackMs: 5 * 60_000 };
    expect(readCalls(watch, { calls: [], truncated: false }, range, slack).watch.readFrom).toBe(at(14));
  });

  it("continues after the last call of an answer cut at its row limit", () => {
    const cut = readCalls(watch, { calls: [call("a", 12), call("b", 13)], truncated: true }, range, timing);
    expect(cut.watch.readFrom).toBe(at(13));
  });

  it("reports the calls of an answer given only in part, but does not move on: the rest may be anywhere", () => {
    const partial = { calls: [call("a", 12)], truncated: false, incomplete: "PartialError: a workspace failed" };
    const read = readCalls(watch, partial, range, timing);
    expect([[...read.found], read.watch.readFrom]).toEqual([[["r1", [call("a", 12)]]], at(10)]);
    const again = readCalls(read.watch, { calls: [call("a", 12), call("b", 13)], truncated: false }, range, timing);
    expect([[...again.found], again.watch.readFrom]).toEqual([[["r1", [call("b", 13)]]], at(19)]);
  });

  it("never moves back before where the query started", () => {
    expect(
      readCalls(watch, { calls: [], truncated: false }, { from: date(10), to: date(10.5) }, timing).watch.readFrom,
    ).toBe(at(10));
  });

  it("starts at the earliest lockdown not yet read, and reads before it only for a window watched since", () => {
    const read = readCalls(watch, { calls: [], truncated: false }, range, timing).watch;
    expect(readStart(read)).toBe(at(19));
    const late = { ...read, windows: [...read.windows, window("r2", 12, 15)] };
    expect(readStart(late)).toBe(at(15));
    const found = readCalls(late, { calls: [call("old", 17), call("new", 19.5)], truncated: false }, range, timing);
    expect([...found.found]).toEqual([["r2", [call("old", 17), call("new", 19.5)]]]);
    const earlier = readCalls(read, { calls: [call("seen-by-then", 14)], truncated: false }, range, timing);
    expect(earlier.found.size).toBe(0);
  });
});

describe("windows seen open", () => {
  it("are periods from their enabling to their lockdown: a watched window's, or the round that saw them closed", () => {
    const watch: ClusterWatch = { windows: [window("r1", 0, 10)] };
    const open = withOpenWindow(watch, at(20), date(22));
    expect(open.openPeriods).toEqual([{ from: at(20) }]);
    expect(withOpenWindow(open, at(20), date(25))).toBe(open);
    expect(withOpenWindow(open, undefined, date(40)).openPeriods).toEqual([{ from: at(20), to: at(40) }]);
    const watched = { ...open, windows: [...open.windows, window("r2", 20, 30)] };
    expect(withOpenWindow(watched, undefined, date(40)).openPeriods).toEqual([{ from: at(20), to: at(30) }]);
  });
});

describe("when a window leaves the watch", () => {
  const read = (readFrom: number, watched: WatchedWindowState): ClusterWatch => ({
    windows: [{ ...watched, read: true }],
    readFrom: at(readFrom),
  });
  it.each<[string, ClusterWatch, string | undefined]>([
    [
      "rotated, calls up to the rotation not all read yet: kept",
      read(14, window("r", 0, 10, { rotatedAt: at(15) })),
      undefined,
    ],
    ["rotated, calls up to the rotation read: ended", read(15, window("r", 0, 10, { rotatedAt: at(15) })), "rotated"],
    ["no fetch known yet: kept", read(30, window("r", 0, 10)), undefined],
    ["no admin credential fetched: ended", read(30, window("r", 0, 10, { fetchedBy: [] })), "no-credentials"],
    [
      "no fetch, but calls found (a credential works): kept",
      read(30, window("r", 0, 10, { fetchedBy: [], callsFound: 1 })),
      undefined,
    ],
    ["fetched, not rotated: kept", read(30, window("r", 0, 10, { fetchedBy: ["alice"] })), undefined],
  ])("%s", (_, watch, reason) => {
    expect(endedWatches(watch)[0]?.reason).toBe(reason);
  });
});
