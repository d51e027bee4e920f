// The evidence step of the window orchestration, end to end through the durable engine: a window
// closes, the request shows closed at once, and the workflow queries the kube-audit log on durable
// timers until the count settles or the plan's bound passes, then audits and tells what it found.
// The runs named after a recorded path are also recorded for the replay test (windowPaths.test.ts
// says how to record them anew).
import { describe, expect, it } from "vitest";
import { SIMULATION_EVIDENCE_PLAN } from "../../../src/domain/evidence.js";
import { TransientError } from "../../../src/ports/errors.js";
import { MINUTE, T0, type Harness } from "../../support/harness.js";
import { adminCall, arriving, ScriptedKubeAudit, type KubeAuditScript } from "../../support/kubeAudit.js";
import { ended, runPath } from "../../support/pathRuns.js";
import type { RecordedPathName } from "../../support/histories.js";

const ON = { BREAKGLASS_EVIDENCE: "on", BREAKGLASS_ROTATE_CERTIFICATES: "never" };
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE).toISOString();
/** Two deletes of pods in kube-system and a get of secrets, made during the window. */
const CALLS = [
  adminCall(1, at(2)),
  adminCall(2, at(3)),
  adminCall(3, at(4), { verb: "get", resource: "secrets", name: "db-password" }),
];

/**
 * A window of alice's, opened by bob, with admin credentials fetched, closed by alice after 10
 * minutes; then `after` (inside the recorded run, so that the history has the evidence rounds).
 */
async function closedWindow(
  path: RecordedPathName | null,
  script: KubeAuditScript,
  after: (h: Harness, id: string, kubeAudit: ScriptedKubeAudit) => Promise<unknown>,
  { env = {}, before }: { env?: Record<string, string>; before?: (h: Harness) => Promise<unknown> } = {},
) {
  const kubeAudit = new ScriptedKubeAudit(script);
  const run = await runPath(path, { env: { ...ON, ...env }, kubeAudit }, async ({ h, id, act }) => {
    await before?.(h);
    await act("approve", "bob");
    await h.call(h.app.dev!.devAdminCredentials, { as: "alice", params: { name: "aks-prod-weu" }, method: "POST" });
    await h.engine.advanceBy(10 * MINUTE);
    await act("close", "alice");
    await after(h, id, kubeAudit);
  });
  return { ...run, kubeAudit };
}

const calls = (h: Harness, id: string) => h.engine.activityCalls(id).map((call) => call.name);
const entry = async (h: Harness, id: string, type: string) => (await h.audit(id)).find((e) => e.type === type);
const closing = async (h: Harness, id: string) =>
  (await h.world.outbox.list(id)).find((message) => message.kind === "closed");

describe("the lockdown's time", () => {
  it("is when local accounts were disabled, not when a slow certificate policy ended", async () => {
    const { h, id, kubeAudit } = await closedWindow(null, arriving([], [0]), (h) => h.engine.advanceBy(20 * MINUTE), {
      env: { BREAKGLASS_ROTATE_CERTIFICATES: "when-credentials-issued" },
      // The rotation fails twice as ARM would with a 409: the policy retries it a minute apart and more.
      before: (h) => h.world.clusterControl.injectFault(h.cluster(), { operation: "rotate", status: 409, count: 2 }),
    });
    const locked = (await entry(h, id, "locked"))!;
    const rotatedAt = Date.parse((await entry(h, id, "certificates-rotated"))!.at);
    expect(rotatedAt - Date.parse(locked.at)).toBeGreaterThanOrEqual(MINUTE);
    expect(kubeAudit.queries[0]!.to).toBe(locked.at);
  });
});

describe("an answer that cannot be whole", () => {
  it("keeps its calls and says why, in the entry, the API and the closing message", async () => {
    const partial: KubeAuditScript = () => ({
      kind: "found",
      calls: CALLS,
      truncated: false,
      incomplete: "PartialError: a workspace failed",
    });
    const { h, id } = await closedWindow(null, partial, (h) => h.engine.advanceBy(MINUTE));
    const gap = "the log answered only in part: PartialError: a workspace failed";
    expect((await entry(h, id, "evidence-collected"))?.details).toMatchObject({ entries: CALLS.length, gap });
    const answer = await h.call(h.app.api.requestEvidence, { as: "alice", params: { id } });
    expect(answer.body).toMatchObject({ status: "collected", reason: gap });
    expect((await closing(h, id))!.facts).toContainEqual({ name: "Evidence", value: expect.stringContaining(gap) });
  });
});

describe("evidence after the window (recorded for replay)", () => {
  it("evidence-collected: calls appear at the second query; the third agrees; all of them are kept", async () => {
    const { h, id, kubeAudit } = await closedWindow(
      "evidence-collected",
      arriving(CALLS, [0, 3]),
      async (h, id, log) => {
        // Locked and closed, while the workflow waits for the logs.
        expect(h.engine.getStatus(id)?.runtimeStatus).toBe("Running");
        expect(await h.app.requests.get(id)).toMatchObject({ status: "closed", outcome: { code: "CLOSED_EARLY" } });
        expect(await h.localAccounts()).toBe("disabled");
        await h.engine.advanceBy(SIMULATION_EVIDENCE_PLAN.firstQueryAfterMs - 1);
        expect(log.queries).toHaveLength(0);
        await h.engine.advanceBy(1);
        expect(log.queries).toHaveLength(1);
        await h.engine.advanceBy(2 * SIMULATION_EVIDENCE_PLAN.queryEveryMs);
      },
    );
    expect(kubeAudit.queries).toHaveLength(3);
    const request = await ended(h, id);
    expect(request).toMatchObject({ status: "closed", outcome: { code: "CLOSED_EARLY" } });

    // The span asked about: from the enable to the lockdown.
    const locked = (await entry(h, id, "locked"))!;
    expect(kubeAudit.queries[0]).toEqual({ cluster: h.cluster().id, from: request.window!.openedAt, to: locked.at });
    const types = await h.auditTypes(id);
    expect(types.slice(types.indexOf("locked"))).toEqual([
      "locked",
      "certificates-checked",
      "evidence-collected",
      "closed",
    ]);
    const collected = (await entry(h, id, "evidence-collected"))!;
    expect(collected).toMatchObject({ outcome: "success" });
    expect(collected.code).toBeUndefined();
    expect(collected.details).toMatchObject({
      entries: 3,
      omitted: 0,
      truncated: false,
      settled: true,
      from: request.window!.openedAt,
      to: locked.at,
      credentialWatch: "registered",
    });
    expect(JSON.parse(String(collected.details!.call03))).toMatchObject({ verb: "get", resource: "secrets" });
    expect(h.engine.activityCalls(id).find((call) => call.name === "watchCredentials")?.input).toEqual({
      requestId: id,
      cluster: h.cluster(),
      enabledSince: request.window!.openedAt,
      lockedAt: locked.at,
    });

    const message = (await closing(h, id))!;
    expect(message.facts).toContainEqual({
      name: "Evidence",
      value: "3 API calls as cluster-admin: 2 deletes of pods in kube-system, 1 get of secrets in kube-system",
    });
    expect(message.links).toContainEqual({
      label: "Evidence (API)",
      url: `${h.config.publicBaseUrl}/api/requests/${id}/evidence`,
    });
  });

  it("evidence-unavailable: no diagnostic setting sends kube-audit and the log has nothing", async () => {
    const { h, id, kubeAudit } = await closedWindow(
      "evidence-unavailable",
      arriving([], [0]),
      (h) => h.engine.advanceBy(MINUTE),
      { before: (h) => h.world.clusterControl.setKubeAudit(h.cluster(), false) },
    );
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
    expect(kubeAudit.queries).toHaveLength(1);
    expect(await entry(h, id, "evidence-unavailable")).toMatchObject({
      outcome: "failure",
      code: "KUBE_AUDIT_OFF",
      message: expect.stringContaining("aks-prod-weu has no diagnostic setting that sends kube-audit"),
    });
    expect((await closing(h, id))!.facts).toContainEqual({
      name: "Evidence",
      value: expect.stringMatching(/^unavailable: aks-prod-weu has no diagnostic setting/),
    });
  });

  it("evidence-unsettled: the count keeps changing until the bound, what was found is kept and said so", async () => {
    const growing: KubeAuditScript = (index) => ({
      kind: "found",
      calls: Array.from({ length: index + 1 }, (_, n) => adminCall(n, at(2))),
      truncated: false,
    });
    const { h, id, kubeAudit } = await closedWindow("evidence-unsettled", growing, (h) =>
      h.engine.advanceBy(SIMULATION_EVIDENCE_PLAN.settleWithinMs + MINUTE),
    );
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
    const { firstQueryAfterMs, queryEveryMs, settleWithinMs } = SIMULATION_EVIDENCE_PLAN;
    const rounds = Math.floor((settleWithinMs - firstQueryAfterMs) / queryEveryMs) + 1;
    expect(kubeAudit.queries).toHaveLength(rounds);
    expect(await entry(h, id, "evidence-collected")).toMatchObject({
      code: "EVIDENCE_UNSETTLED",
      details: { entries: rounds, settled: false },
    });
    expect((await closing(h, id))!.facts.find((fact) => fact.name === "Evidence")?.value).toMatch(
      new RegExp(
        `^${rounds} API calls as cluster-admin: ${rounds} deletes of pods in kube-system \\(calls were still arriving`,
      ),
    );
  });

  it("evidence-throttled: a log throttled beyond the retries is unavailable, and the workflow still ends closed", async () => {
    const throttled = () => new TransientError("LOGS_THROTTLED", "Log Analytics answered 429");
    const { h, id, kubeAudit } = await closedWindow("evidence-throttled", throttled, (h) =>
      h.engine.advanceBy(5 * MINUTE),
    );
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "CLOSED_EARLY" } });
    expect(kubeAudit.queries.length).toBeGreaterThan(1);
    expect(await entry(h, id, "evidence-unavailable")).toMatchObject({
      code: "LOGS_THROTTLED",
      message: expect.stringContaining("LOGS_THROTTLED: Log Analytics answered 429"),
    });
  });
});

describe("evidence step", () => {
  it("a workflow started without a plan (BREAKGLASS_EVIDENCE=off) takes today's path: no watch, no query", async () => {
    const kubeAudit = new ScriptedKubeAudit(arriving(CALLS, [3]));
    const { h, id } = await runPath(
      null,
      { env: { BREAKGLASS_ROTATE_CERTIFICATES: "never" }, kubeAudit },
      async ({ h, act }) => {
        await act("approve", "bob");
        await h.engine.advanceBy(60 * MINUTE);
      },
    );
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
    expect(calls(h, id)).not.toContain("collectEvidence");
    expect(calls(h, id)).not.toContain("watchCredentials");
    expect((await closing(h, id))!.links.map((link) => link.label)).toEqual([
      "Open in the console",
      "Request status (API)",
    ]);
  });

  it.each([
    ["rotated: the window is not watched", { BREAKGLASS_ROTATE_CERTIFICATES: "always" }, true, "not-needed"],
    // The Activity Log lags: a count of none at the lockdown is no proof, the watch ends it later.
    [
      "never fetched: the window is watched all the same",
      { BREAKGLASS_ROTATE_CERTIFICATES: "never" },
      false,
      "registered",
    ],
  ] as const)("credentials %s", async (_case, env, fetch, watch) => {
    const kubeAudit = new ScriptedKubeAudit(arriving(CALLS, [3]));
    const { h, id } = await runPath(null, { env: { ...ON, ...env }, kubeAudit }, async ({ h, act }) => {
      await act("approve", "bob");
      if (fetch)
        await h.call(h.app.dev!.devAdminCredentials, { as: "alice", params: { name: "aks-prod-weu" }, method: "POST" });
      await h.engine.advanceBy(60 * MINUTE + MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
    expect(calls(h, id)).toContain("collectEvidence");
    expect(calls(h, id).includes("watchCredentials")).toBe(watch === "registered");
    expect((await entry(h, id, "evidence-collected"))?.details?.credentialWatch).toBe(watch);
  });

  it("a watch that cannot be registered is said in the evidence entry; the workflow goes on", async () => {
    const kubeAudit = new ScriptedKubeAudit(arriving(CALLS, [3]));
    const { h, id } = await runPath(
      null,
      {
        env: ON,
        kubeAudit,
        wrapActivity: (name, activity) =>
          name === "watchCredentials" ? () => Promise.reject(new Error("watch table down")) : activity,
      },
      async ({ h, act }) => {
        await act("approve", "bob");
        await h.call(h.app.dev!.devAdminCredentials, { as: "alice", params: { name: "aks-prod-weu" }, method: "POST" });
        await h.engine.advanceBy(60 * MINUTE + 5 * MINUTE);
      },
    );
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
    expect((await entry(h, id, "evidence-collected"))?.details?.credentialWatch).toMatch(/^failed: .*watch table down/);
  });

  it("a query that fails after calls were found keeps them, unsettled", async () => {
    const script: KubeAuditScript = (index) =>
      index === 0
        ? { kind: "found", calls: CALLS, truncated: false }
        : { kind: "unavailable", code: "LOGS_FORBIDDEN", reason: "403 on the workspace" };
    const { h, id } = await closedWindow(null, script, (h) => h.engine.advanceBy(MINUTE));
    expect(await ended(h, id)).toMatchObject({ status: "closed" });
    expect(await entry(h, id, "evidence-collected")).toMatchObject({
      code: "EVIDENCE_UNSETTLED",
      message: "a later query failed: 403 on the workspace",
      details: { entries: 3, settled: false },
    });
  });

  it("a lockdown that continued as new still collects: the plan is carried in the input", async () => {
    const kubeAudit = new ScriptedKubeAudit(arriving(CALLS, [3]));
    const { h, id } = await runPath(null, { env: ON, kubeAudit, duration: "PT15M" }, async ({ h, id, act }) => {
      await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 503, count: 1000 });
      await act("approve", "bob");
      await h.engine.advanceBy(15 * MINUTE + 2 * 60 * MINUTE);
      expect(h.engine.executions(id)).toBeGreaterThan(1);
      await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 503, count: 0 });
      await h.engine.advanceBy(15 * MINUTE);
    });
    expect(await ended(h, id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
    expect(await entry(h, id, "evidence-collected")).toMatchObject({ details: { entries: 3, settled: true } });
  });
});
