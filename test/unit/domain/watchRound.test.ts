// What a round of the evidence watch claims before it acts (alerts at most one per window an hour,
// a rotation once per lease) and how its changes are written back over another run's.
import { describe, expect, it } from "vitest";
import type { ClusterWatch } from "../../../src/domain/credentialWatch.js";
import type { AdminCall } from "../../../src/domain/evidence.js";
import {
  ALERT_INTERVAL_MS,
  claimRound,
  mergeRound,
  releaseRotation,
  ROTATION_LEASE_MS,
} from "../../../src/domain/watchRound.js";
import { at, call, date, T0, window } from "../../support/watchRules.js";

const found = (...calls: AdminCall[]) => new Map([["r1", calls]]);

describe("a round's claim", () => {
  const watch: ClusterWatch = { windows: [window("r1", 0, 10)] };

  it("alerts a window at most once an hour, and the next alert counts the calls held back", () => {
    const first = claimRound(watch, found(call("a", 12)), date(12), false);
    expect(first.alerts).toEqual([{ requestId: "r1", calls: [call("a", 12)] }]);
    const held = claimRound(first.watch, found(call("b", 20), call("c", 21)), date(22), false);
    expect(held.alerts).toEqual([]);
    expect(held.watch.windows[0]).toMatchObject({ alertedAt: at(12), unalerted: 2 });
    const next = claimRound(held.watch, found(call("d", 72)), new Date(T0 + 12 * 60_000 + ALERT_INTERVAL_MS), false);
    expect(next.alerts).toEqual([{ requestId: "r1", calls: [call("d", 72)], earlier: { since: at(12), calls: 2 } }]);
    expect(next.watch.windows[0]).toMatchObject({ unalerted: 0 });
  });

  it("requests a rotation once per lease since the lockdown; a failed one is released", () => {
    const first = claimRound(watch, found(call("a", 12)), date(12), true);
    expect(first.rotate).toBe(true);
    expect(first.watch.rotationRequested).toEqual({
      at: at(12),
      until: new Date(T0 + 12 * 60_000 + ROTATION_LEASE_MS).toISOString(),
    });
    expect(claimRound(first.watch, found(call("b", 13)), date(14), true).rotate).toBe(false);
    expect(claimRound(releaseRotation(first.watch, date(13)), found(call("b", 13)), date(14), true).rotate).toBe(true);
    expect(
      claimRound(first.watch, found(call("b", 13)), new Date(T0 + 12 * 60_000 + ROTATION_LEASE_MS), true).rotate,
    ).toBe(true);
    expect(claimRound(watch, found(call("a", 12)), date(12), false).rotate).toBe(false);
  });
});

describe("a round's changes", () => {
  it("keep a window put under watch while the round ran", () => {
    const before: ClusterWatch = { windows: [window("r1", 0, 10)] };
    const after: ClusterWatch = { windows: [], readFrom: at(20) };
    const current: ClusterWatch = { windows: [...before.windows, window("r2", 12, 15)] };
    expect(mergeRound(current, before, after)).toEqual({ windows: [window("r2", 12, 15)], readFrom: at(20) });
    expect(mergeRound(before, before, { windows: [] })).toEqual({ windows: [] });
  });

  it("never bring back what another run advanced: the cursor, the calls seen, an alert, an ended window", () => {
    const before: ClusterWatch = { windows: [window("r1", 0, 10), window("r2", 12, 15)], readFrom: at(16) };
    const after: ClusterWatch = { ...before, readFrom: at(18), seen: [{ id: "a", at: at(19) }] };
    const current: ClusterWatch = {
      windows: [window("r1", 0, 10, { alertedAt: at(30), unalerted: 0 })],
      readFrom: at(25),
      seen: [{ id: "b", at: at(26) }],
      rotationRequested: { at: at(30), until: at(150) },
    };
    expect(mergeRound(current, before, after)).toEqual({
      windows: [window("r1", 0, 10, { alertedAt: at(30), unalerted: 0 })],
      readFrom: at(25),
      seen: [{ id: "b", at: at(26) }],
      rotationRequested: { at: at(30), until: at(150) },
    });
  });
});
