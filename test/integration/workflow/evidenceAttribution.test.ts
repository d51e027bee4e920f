// Whose calls the evidence counts (docs/design.md §11): an enable reported failed that landed still
// opened the cluster, so it gets evidence and a watch like any window; and when windows overlap on
// one cluster, each request's span starts at its own opening, and its evidence says that calls in
// it cannot be told apart from the other window's.
import { describe, expect, it } from "vitest";
import type { ActivityFunction } from "../../../dev/durable/engine.js";
import { SHARED_SPAN_CAVEAT } from "../../../src/domain/evidenceRecord.js";
import { createHarness, MINUTE, T0, type Harness, type UserName } from "../../support/harness.js";
import { adminCall, arriving, ScriptedKubeAudit } from "../../support/kubeAudit.js";
import { ended, runPath } from "../../support/pathRuns.js";
import { openWindow } from "../../support/windows.js";

const ON = { BREAKGLASS_EVIDENCE: "on", BREAKGLASS_ROTATE_CERTIFICATES: "never" };
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE).toISOString();
const CALLS = [adminCall(1, at(2)), adminCall(2, at(3))];

const entry = async (h: Harness, id: string, type: string) => (await h.audit(id)).find((e) => e.type === type);
const activityInput = (h: Harness, id: string, name: string) =>
  h.engine.activityCalls(id).find((call) => call.name === name)?.input;
const evidence = async (h: Harness, id: string, as: UserName = "alice") =>
  (await h.call(h.app.api.requestEvidence, { as, params: { id } })).body as Record<string, unknown>;
const evidenceFact = async (h: Harness, id: string, kind: string) =>
  (await h.world.outbox.list(id))
    .find((message) => message.kind === kind)
    ?.facts.find((fact) => fact.name === "Evidence")?.value;

describe("evidence of an enable reported failed", () => {
  it("the write landed: evidence from when enabling began to the lockdown, the credential watched, the GET collected", async () => {
    const kubeAudit = new ScriptedKubeAudit(arriving(CALLS, [2]));
    const harness: { h?: Harness } = {};
    // ARM answers 400 (an injected fault), yet the switch flipped: the write landed all the same.
    const landing =
      (activity: ActivityFunction): ActivityFunction =>
      async (input, context) => {
        const answer = await activity(input, context);
        await harness.h!.world.clusterControl.setLocalAccountsOutOfBand(harness.h!.cluster(), true);
        return answer;
      };
    const { h, id } = await runPath(
      null,
      {
        env: ON,
        kubeAudit,
        wrapActivity: (name, activity) => (name === "openWindowOnCluster" ? landing(activity) : activity),
      },
      async ({ h, act }) => {
        harness.h = h;
        await h.world.clusterControl.injectFault(h.cluster(), { operation: "enable", status: 400, count: 1 });
        await h.engine.advanceBy(2 * MINUTE); // enabling begins well after the request was made
        await act("approve", "bob");
        await h.engine.advanceBy(5 * MINUTE);
      },
    );
    const request = await ended(h, id);
    expect(request).toMatchObject({ status: "failed", outcome: { code: "BadRequest" } });
    expect(request.window).toBeUndefined();
    expect(await h.localAccounts()).toBe("disabled");
    const types = await h.auditTypes(id);
    expect(types.slice(types.indexOf("locked"))).toEqual([
      "locked",
      "certificates-checked",
      "evidence-collected",
      "failed",
    ]);

    const enabling = (await entry(h, id, "enabling"))!;
    expect(Date.parse(enabling.at)).toBeGreaterThan(Date.parse(request.requestedAt));
    const locked = (await entry(h, id, "locked"))!;
    expect(locked.details).toEqual({ change: "changed" });
    expect(kubeAudit.queries[0]).toEqual({ cluster: h.cluster().id, from: enabling.at, to: locked.at });
    expect(activityInput(h, id, "watchCredentials")).toEqual({
      requestId: id,
      cluster: h.cluster(),
      enabledSince: enabling.at,
      lockedAt: locked.at,
    });
    const collected = (await entry(h, id, "evidence-collected"))!;
    expect(collected.details).toMatchObject({ entries: 2, from: enabling.at, credentialWatch: "registered" });
    expect(collected.details).not.toHaveProperty("sharedSince");

    // The trail's entry wins over "no window was opened", though the request never showed a window.
    expect(await evidence(h, id)).toMatchObject({ status: "collected", entries: 2 });
    expect(await evidence(h, id)).not.toHaveProperty("reason");
    expect(await evidenceFact(h, id, "failed")).toBe("2 API calls as cluster-admin: 2 deletes of pods in kube-system");
  });
});

describe("evidence of overlapping windows on one cluster", () => {
  it("each span starts at its own opening; kept open or enabled earlier, the evidence says it is shared", async () => {
    const kubeAudit = new ScriptedKubeAudit(arriving(CALLS, [2]));
    const h = await createHarness({ env: ON, kubeAudit });
    const alice = await openWindow(h, "alice", "PT15M");
    h.clock.advance(5 * MINUTE);
    const carol = await openWindow(h, "carol", "PT30M");
    await h.engine.advanceBy(10 * MINUTE + 1); // alice's deadline: carol's window keeps local accounts enabled
    await h.engine.advanceBy(20 * MINUTE + MINUTE); // carol's deadline: the last window, locked; its evidence
    const [aliceRequest, carolRequest] = [await ended(h, alice), await ended(h, carol)];
    expect(await h.localAccounts()).toBe("disabled");
    const aliceOpened = aliceRequest.window!.openedAt;
    const carolOpened = carolRequest.window!.openedAt;
    expect(Date.parse(aliceOpened)).toBeLessThan(Date.parse(carolOpened));

    expect((await entry(h, alice, "evidence-collected"))!.details).toMatchObject({
      from: aliceOpened,
      to: (await entry(h, alice, "locked"))!.at,
      sharedWith: 1,
      credentialWatch: "not-needed",
    });
    // Carol's lockdown found local accounts enabled since alice's opening: that is what the watch
    // and the certificate policy look at, but carol's calls are counted from carol's opening.
    const carolLocked = (await entry(h, carol, "locked"))!;
    const carolEvidence = (await entry(h, carol, "evidence-collected"))!.details;
    expect(carolEvidence).toMatchObject({ from: carolOpened, to: carolLocked.at, sharedSince: aliceOpened });
    expect(carolEvidence).not.toHaveProperty("sharedWith");
    expect(activityInput(h, carol, "watchCredentials")).toMatchObject({ enabledSince: aliceOpened });
    expect(activityInput(h, carol, "applyCertificatePolicy")).toMatchObject({ since: aliceOpened });
    expect(kubeAudit.queries.map((query) => query.from)).toEqual(expect.arrayContaining([aliceOpened, carolOpened]));

    for (const [id, as] of [
      [alice, "alice"],
      [carol, "carol"],
    ] as const) {
      expect(await evidence(h, id, as)).toMatchObject({ status: "collected", reason: SHARED_SPAN_CAVEAT });
      expect(await evidenceFact(h, id, "closed")).toBe(
        `2 API calls as cluster-admin: 2 deletes of pods in kube-system (${SHARED_SPAN_CAVEAT})`,
      );
    }
  });
});
