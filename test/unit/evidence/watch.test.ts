// One round of the evidence watch over in-memory fakes (test/support/evidenceWatch.ts): what it
// alerts, rotates and records when calls land late, runs overlap, a save fails, use goes on, or
// storage fails; Azure timing (AZURE_WATCH_TIMING), one round a minute.
import { describe, expect, it } from "vitest";
import { TransientError } from "../../../src/ports/errors.js";
import { MIN, WINDOW_A, watchEnv } from "../../support/evidenceWatch.js";

describe("the evidence watch's round", () => {
  it("alerts a long call (exec) received after the lockdown whose row lands 20 minutes later", async () => {
    const env = watchEnv();
    await env.store.watch(WINDOW_A);
    env.call("exec-1", 12, 20, { verb: "create", resource: "pods/exec" });
    await env.rounds(11, 90);
    expect(env.usedAlerts()).toHaveLength(1);
    expect(env.usedAlerts()[0]!.text).toContain("pods/exec");
  });

  it("takes the rotation's time from when it returned: a call made while ARM rotated is still found", async () => {
    const env = watchEnv({ rotate: "when-credentials-issued", rotationTakes: 18 });
    await env.store.watch(WINDOW_A);
    env.call("c1", 12, 1);
    env.call("during-rotation", 20, 1); // the rotation started at 14 returns at 32
    await env.rounds(11, 14);
    await env.rounds(33, 130);
    expect(env.rotations).toHaveLength(1);
    expect((await env.store.afterWindow("req-A")).items.map((call) => call.id)).toEqual(["c1", "during-rotation"]);
    expect(env.usedAudits()).toHaveLength(2);
    expect(env.store.doc.windows).toHaveLength(0); // left the watch once the calls up to the rotation were read
  });

  it("claims before it acts: a save that keeps failing alerts and rotates once", async () => {
    const env = watchEnv({ rotate: "when-credentials-issued" });
    await env.store.watch(WINDOW_A);
    env.call("c1", 12, 1);
    env.store.failSave = true;
    await env.rounds(14, 18);
    expect(env.usedAlerts()).toHaveLength(1);
    expect(env.rotations).toHaveLength(1);
    expect(env.usedAudits()).toHaveLength(1);
  });

  it("claims before it acts: of two overlapping runs, one alerts and rotates, the other skips the cluster", async () => {
    const env = watchEnv({ rotate: "when-credentials-issued" });
    await env.store.watch(WINDOW_A);
    env.call("c1", 12, 1);
    env.set(14);
    const reports = await Promise.all([env.watch.run(), env.watch.run()]);
    expect(env.usedAlerts()).toHaveLength(1);
    expect(env.rotations).toHaveLength(1);
    expect(
      reports
        .flat()
        .map((report) => report.action)
        .sort(),
    ).toEqual(["contended", "read"]);
  });

  it("clips the caller's texts and caps the calls listed, in the alert and the audit entry", async () => {
    const env = watchEnv();
    await env.store.watch(WINDOW_A);
    env.call("c0", 12, 1, { name: "n".repeat(20_000), namespace: "\u202Ekube-system" });
    for (let index = 1; index < 200; index++) env.call(`c${index}`, 12, 1, { sourceIp: `198.51.100.${index}` });
    await env.rounds(11, 20);
    const [alert] = env.usedAlerts();
    expect(alert!.text.length).toBeLessThan(3_000);
    expect(alert!.text).toContain("200 calls");
    const [entry] = env.usedAudits();
    expect(JSON.stringify(entry).length).toBeLessThan(6_000);
  });

  it("alerts ongoing use at most once an hour, the next alert counting the calls since the last", async () => {
    const env = watchEnv();
    await env.store.watch(WINDOW_A);
    for (let minute = 12; minute < 100; minute += 5) env.call(`c${minute}`, minute, 1);
    await env.rounds(11, 100);
    const alerts = env.usedAlerts();
    expect(alerts).toHaveLength(2);
    expect(alerts[1]!.text).toMatch(/11 more call\(s\) were found since the last alert/);
    expect((await env.store.afterWindow("req-A")).entries).toBe(18);
    expect(env.usedAudits().length).toBeGreaterThan(2);
  });

  it("asks the Activity Log no further back than it keeps", async () => {
    const env = watchEnv();
    await env.store.watch(WINDOW_A);
    env.set(100 * 24 * 60);
    await env.watch.run();
    for (const query of env.queries)
      expect(query.to.getTime() - query.from.getTime()).toBeLessThanOrEqual(89 * 24 * 60 * MIN);
    expect(env.queries.map((query) => query.kind)).toEqual(["rotations"]); // the window's fetches are out of reach
  });

  it("reports a storage failure listing the watched clusters instead of failing the timer run", async () => {
    const env = watchEnv();
    env.store.watchedClusters = async () => Promise.reject(new TransientError("STORAGE_503", "down"));
    await expect(env.watch.run()).resolves.toEqual([{ cluster: "*", action: "failed", found: 0, ended: [] }]);
  });
});
