// The readiness timer: one alert when a check turns red, nothing while it stays red, one
// announcement when it clears, each change audited in the day's readiness stream.
import { describe, expect, it } from "vitest";
import { TransientError } from "../../../src/ports/errors.js";
import { verifyDailyStream } from "../../../src/domain/auditChain.js";
import { isDailyStream } from "../../../src/domain/audit.js";
import { createReadinessWatch, NO_READINESS_VERDICTS, type ReadinessVerdicts } from "../../../src/readiness/watch.js";
import { memoryAudit, memoryStore, NEU, ReadinessWorld, recordingNotifier, WEU } from "../../support/readinessWorld.js";

const DAY = 24 * 60 * 60_000;

function setUp() {
  const world = new ReadinessWorld();
  let at = new Date("2026-12-01T06:00:00.000Z").getTime();
  const now = () => new Date(at);
  const store = memoryStore<ReadinessVerdicts>(NO_READINESS_VERDICTS);
  const audit = memoryAudit();
  const notifier = recordingNotifier();
  const deps = world.dependencies(now);
  const watch = createReadinessWatch({
    monitor: world.monitor(now),
    store,
    audit,
    notifier,
    directory: deps.directory,
    approverGroupId: deps.approverGroupId,
    alertEmails: ["oncall@contoso.dev"],
    now,
    randomBytes: (size) => new Uint8Array(size).fill(7),
    log: () => undefined,
  });
  const nextDay = () => (at += DAY);
  return { world, watch, audit, notifier, store, nextDay };
}

const removeAdminRole = (world: ReadinessWorld) => world.edit(NEU, { roles: { kind: "read", value: [] } });

describe("readiness timer", () => {
  it("on its first run records green checks silently and alerts each red one", async () => {
    const { world, watch, audit, notifier, store } = setUp();
    removeAdminRole(world);
    const run = await watch.run();
    expect(run.changes.map((change) => `${change.kind} ${change.check.name}`)).toEqual([
      "check-failed emergency-admin-role",
    ]);
    expect(notifier.sent).toHaveLength(1);
    const [alert] = notifier.sent;
    expect(alert).toMatchObject({
      kind: "readiness-check-failed",
      severity: "critical",
      recipients: { teams: true, emails: ["oncall@contoso.dev", "bob@contoso.dev", "carol@contoso.dev"] },
    });
    expect(alert!.subject).toContain("aks-prod-neu");
    expect(alert!.text).toContain("EMERGENCY_ROLE_MISSING");
    expect(alert!.text).toContain(`az role assignment create --assignee-object-id`);
    expect(alert!.text).toContain(`--scope ${NEU.id}`);
    expect(alert!.facts).toEqual(
      expect.arrayContaining([
        { name: "Check", value: "emergency-admin-role" },
        { name: "Cluster", value: NEU.id },
      ]),
    );
    expect(audit.entries).toMatchObject([
      {
        stream: "readiness-2026-12-01",
        type: "readiness-failed",
        cluster: NEU.id,
        outcome: "failure",
        code: "EMERGENCY_ROLE_MISSING",
        details: { check: "emergency-admin-role" },
      },
    ]);
    expect(Object.keys(store.documents.get("readiness")!.verdicts)).toHaveLength(12);
  });

  it("alerts a check once per turn to red across several runs, and announces once when it clears", async () => {
    const { world, watch, audit, notifier, nextDay } = setUp();
    await watch.run();
    expect(notifier.sent).toEqual([]);
    expect(audit.entries).toEqual([]);
    nextDay();
    removeAdminRole(world);
    await watch.run();
    nextDay();
    await watch.run();
    await watch.run();
    expect(notifier.sent.map((sent) => sent.kind)).toEqual(["readiness-check-failed"]);
    nextDay();
    world.edit(NEU, { roles: world.clusters.get(WEU.id)!.roles });
    await watch.run();
    await watch.run();
    expect(notifier.sent.map((sent) => sent.kind)).toEqual(["readiness-check-failed", "readiness-check-cleared"]);
    expect(notifier.sent[1]).toMatchObject({ severity: "info" });
    expect(notifier.sent[1]!.subject).toContain("emergency-admin-role on aks-prod-neu passes again");
    nextDay();
    removeAdminRole(world);
    await watch.run();
    expect(notifier.sent.map((sent) => sent.kind)).toEqual([
      "readiness-check-failed",
      "readiness-check-cleared",
      "readiness-check-failed",
    ]);
    expect(audit.entries.map((entry) => `${entry.stream} ${entry.type}`)).toEqual([
      "readiness-2026-12-02 readiness-failed",
      "readiness-2026-12-04 readiness-cleared",
      "readiness-2026-12-05 readiness-failed",
    ]);
    for (const stream of new Set(audit.entries.map((entry) => entry.stream))) {
      expect(isDailyStream(stream)).toBe(true);
      expect(verifyDailyStream(stream, await audit.readStream(stream))).toMatchObject({ ok: true });
    }
  });

  it("tells a tenant check's change with the tenant as its scope", async () => {
    const { world, watch, audit, notifier } = setUp();
    world.mailboxes.clear();
    await watch.run();
    expect(notifier.sent[0]!.facts).toEqual(expect.arrayContaining([{ name: "Scope", value: "tenant" }]));
    expect(audit.entries[0]).toMatchObject({
      cluster: "",
      code: "MAIL_SENDER_NOT_FOUND",
      details: { check: "mail-sender" },
    });
  });

  it("a check that could not be asked now (throttled) keeps its last verdict: no alert, no clearing", async () => {
    const { world, watch, notifier, nextDay } = setUp();
    await watch.run();
    const real = world.facts.bind(world);
    world.facts = (cluster) => {
      if (cluster.id === NEU.id) throw new TransientError("ARM_429", "throttled");
      return real(cluster);
    };
    nextDay();
    const throttled = await watch.run();
    expect(throttled.changes).toEqual([]);
    expect(throttled.report.ready).toBe(false);
    world.facts = real;
    removeAdminRole(world);
    nextDay();
    expect((await watch.run()).changes.map((change) => change.kind)).toEqual(["check-failed"]);
    world.facts = (cluster) => {
      if (cluster.id === NEU.id) throw new TransientError("ARM_503", "unavailable");
      return real(cluster);
    };
    nextDay();
    expect((await watch.run()).changes).toEqual([]);
    world.facts = real;
    nextDay();
    expect((await watch.run()).changes).toEqual([]);
    expect(notifier.sent.filter((message) => message.kind === "readiness-check-failed")).toHaveLength(1);
  });
});
