// Every path a window orchestration can take, run end to end, each ending where it must. These
// runs are also the source of the recorded histories the replay-compatibility test replays
// (test/unit/workflow/replay.test.ts): `RECORD_HISTORIES=1 npx vitest run test/integration/workflow/windowPaths.test.ts`
// records them anew, which is only right when the orchestrator's decisions changed on purpose
// and no orchestration of the old version can still be running.
import { describe, expect, it } from "vitest";
import type { Notifier } from "../../../src/ports/notifier.js";
import { MINUTE, USERS, type HarnessOptions } from "../../support/harness.js";
import { ended, runPath } from "../../support/pathRuns.js";

const failingAudit = (failWhen: (entry: { type: string }) => boolean): HarnessOptions["wrapActivity"] => {
  return (name, activity) =>
    name === "appendAuditEntry"
      ? (input, context) =>
          failWhen(input as { type: string })
            ? Promise.reject(new Error("audit table unavailable"))
            : activity(input, context)
      : activity;
};

describe("window orchestration paths (recorded for replay)", () => {
  it("deadline: approved, open, closed when the window's time is up", async () => {
    const { h, id } = await runPath("deadline", {}, async ({ h, act }) => {
      await act("approve", "bob");
      await h.engine.advanceBy(60 * MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
  });

  it("early close by the requester", async () => {
    const { h, id } = await runPath("early-close", {}, async ({ h, act }) => {
      await act("approve", "bob");
      await h.engine.advanceBy(10 * MINUTE);
      await act("close", "alice");
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "CLOSED_EARLY" } });
  });

  it("denied", async () => {
    const { h, id } = await runPath("denied", {}, ({ deny }) => deny("bob", "use the runbook first"));
    expect(await ended(h, id)).toMatchObject({ status: "denied", outcome: { code: "DENIED" } });
  });

  it("expired: no decision before the approval deadline", async () => {
    const { h, id } = await runPath("expired", {}, async ({ h }) => void (await h.engine.advanceBy(30 * MINUTE)));
    expect(await ended(h, id)).toMatchObject({ status: "expired", outcome: { code: "APPROVAL_TIMEOUT" } });
  });

  it("withdrawn before approval, with an early extension ignored", async () => {
    const { h, id } = await runPath("withdrawn", {}, async ({ act, extend }) => {
      await extend("alice", "PT30M");
      await act("close", "alice");
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "WITHDRAWN" } });
    expect(await h.auditTypes(id)).toContain("event-ignored");
  });

  it("two approvals required: self-approval and a duplicate are ignored", async () => {
    const { h, id } = await runPath(
      "two-approvals",
      { env: { BREAKGLASS_REQUIRED_APPROVALS: "2" } },
      async ({ h, act }) => {
        await act("approve", "alice");
        await act("approve", "bob");
        await act("approve", "bob");
        await act("approve", "carol");
        await h.engine.advanceBy(60 * MINUTE);
      },
    );
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
    expect((await h.auditTypes(id)).filter((type) => type === "approval-ignored")).toHaveLength(2);
  });

  it("extension approved: the window closes at the new deadline", async () => {
    const { h, id } = await runPath("extension", {}, async ({ h, act, extend }) => {
      await act("approve", "bob");
      await h.engine.advanceBy(30 * MINUTE);
      await extend("alice", "PT2H");
      await act("approve", "carol");
      await h.engine.advanceBy(150 * MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
    expect(await h.auditTypes(id)).toContain("extended");
  });

  it("extensions refused, denied and expired; the window closes at its first deadline", async () => {
    const { h, id } = await runPath("extension-refused", {}, async ({ h, act, deny, extend }) => {
      await act("approve", "bob");
      await deny("bob"); // nothing pending
      await extend("bob", "PT30M"); // not the requester
      await extend("alice", "PT10H"); // beyond the maximum
      await extend("alice", "PT30M");
      await extend("alice", "PT30M"); // one is pending
      await act("approve", "alice"); // her own
      await deny("bob", "fix it in the hour");
      await extend("alice", "PT30M");
      await h.engine.advanceBy(31 * MINUTE); // the extension's approval deadline passes
      await h.engine.advanceBy(29 * MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed", window: { closesAt: expect.any(String) } });
    expect(await h.auditTypes(id)).toEqual(
      expect.arrayContaining(["extension-denied", "extension-expired", "approval-ignored"]),
    );
  });

  it("lockdown keeps failing: escalated, continued as new, closed once ARM recovers", async () => {
    const { h, id } = await runPath("lockdown-failed-continue-as-new", { duration: "PT15M" }, async ({ h, act }) => {
      await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 503, count: 1000 });
      await act("approve", "bob");
      await h.engine.advanceBy(15 * MINUTE + 2 * 60 * MINUTE);
      expect(h.engine.executions(h.engine.instanceIds()[0]!)).toBeGreaterThan(1);
      await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 503, count: 0 });
      await h.engine.advanceBy(10 * MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
  });

  it("requester no longer eligible when approved", async () => {
    const { h, id } = await runPath("requester-ineligible", {}, async ({ h, act }) => {
      await h.world.directory.removeMember(h.config.emergencyGroupId, USERS.alice.oid);
      await act("approve", "bob");
    });
    expect(await ended(h, id)).toMatchObject({ status: "failed", outcome: { code: "NOT_EMERGENCY_MEMBER" } });
  });

  it("enable refused for good", async () => {
    const { h, id } = await runPath("enable-refused", {}, async ({ h, act }) => {
      await h.world.clusterControl.injectFault(h.cluster(), { operation: "enable", status: 400, count: 1 });
      await act("approve", "bob");
    });
    expect(await ended(h, id)).toMatchObject({ status: "failed", outcome: { code: "BadRequest" } });
  });

  it("enable retried until it works, then certificates rotated for fetched credentials", async () => {
    const { h, id } = await runPath(
      "enable-retried",
      { env: { BREAKGLASS_ROTATE_CERTIFICATES: "always" } },
      async ({ h, act }) => {
        await h.world.clusterControl.injectFault(h.cluster(), { operation: "enable", status: 409, count: 2 });
        await act("approve", "bob");
        await h.engine.advanceBy(2 * MINUTE);
        await h.engine.advanceBy(60 * MINUTE);
        await h.engine.advanceBy(60 * MINUTE);
      },
    );
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
    expect(await h.auditTypes(id)).toEqual(expect.arrayContaining(["enable-retry", "certificates-rotated"]));
  });

  it("a malformed event is audited and skipped", async () => {
    const { h, id } = await runPath("malformed-event", {}, async ({ h, raw, act }) => {
      await raw({ type: "approve", actor: "bob" });
      await act("approve", "bob");
      await raw("garbage");
      await h.engine.advanceBy(60 * MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
  });

  it("an audit write that keeps failing before opening fails the workflow", async () => {
    let failures = 6 + 8;
    const wrapActivity = failingAudit((entry) => entry.type === "approvers-notified" && failures-- > 0);
    const { h, id } = await runPath("workflow-error", { wrapActivity }, async ({ h }) => {
      await h.engine.advanceBy(10 * MINUTE);
      await h.engine.advanceBy(2 * 60 * MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "failed", outcome: { code: "WORKFLOW_ERROR" } });
  });

  it("failed notifications are audited and the workflow goes on", async () => {
    const notifier: Notifier = { send: async () => [{ channel: "email", ok: false, error: "mail relay down" }] };
    const { h, id } = await runPath("notification-failed", { notifier }, async ({ h, act }) => {
      await act("approve", "bob");
      await h.engine.advanceBy(60 * MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
  });

  it("a storage outage after opening: the lockdown goes on, the records are written later", async () => {
    let broken = false;
    const wrapActivity: HarnessOptions["wrapActivity"] = (name, activity) =>
      name === "appendAuditEntry" || name === "recordRequestProgress"
        ? (input, context) => (broken ? Promise.reject(new Error("storage down")) : activity(input, context))
        : activity;
    const { h, id } = await runPath(
      "storage-outage-after-open",
      { wrapActivity, duration: "PT15M" },
      async ({ h, act }) => {
        await act("approve", "bob");
        broken = true;
        await h.engine.advanceBy(15 * MINUTE + 10_000);
        await h.engine.advanceBy(MINUTE);
        broken = false;
        await h.engine.advanceBy(5 * MINUTE);
      },
    );
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
  });

  it("tagged actions: every entry an action is taken or ignored in names it", async () => {
    const { h, id } = await runPath("tagged-window", { tagged: true }, async ({ h, act, deny, extend }) => {
      await extend("alice", "PT30M"); // nothing open yet
      await act("approve", "alice"); // her own
      await act("approve", "bob");
      await act("approve", "carol"); // nothing pending
      await extend("alice", "PT30M");
      await deny("carol", "not needed");
      await extend("alice", "PT20M");
      await act("approve", "bob");
      await h.engine.advanceBy(5 * MINUTE);
      await act("close", "alice");
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "CLOSED_EARLY" } });
    const tagged = (await h.audit(id)).filter((entry) => entry.details?.actionId);
    expect(tagged.map((entry) => [entry.type, entry.details?.actionId])).toEqual([
      ["event-ignored", "act-0000000000000001"],
      ["approval-ignored", "act-0000000000000002"],
      ["approval-recorded", "act-0000000000000003"],
      ["event-ignored", "act-0000000000000004"],
      ["extension-requested", "act-0000000000000005"],
      ["extension-denied", "act-0000000000000006"],
      ["extension-requested", "act-0000000000000007"],
      ["approval-recorded", "act-0000000000000008"],
      ["close-requested", "act-0000000000000009"],
    ]);
  });

  it.each([
    ["tagged-denied", "denied", "DENIED"],
    ["tagged-withdrawn", "withdrawn", "WITHDRAWN"],
  ] as const)("tagged actions: %s names the action that ended the request", async (path, type, code) => {
    const { h, id } = await runPath(path, { tagged: true }, ({ act, deny }) =>
      type === "denied" ? deny("bob", "use the runbook") : act("close", "alice"),
    );
    expect(await ended(h, id)).toMatchObject({ outcome: { code } });
    const entry = (await h.audit(id)).find((candidate) => candidate.type === type);
    expect(entry?.details).toEqual({ actionId: "act-0000000000000001" });
  });
});
