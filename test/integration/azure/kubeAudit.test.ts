// kube-audit evidence in azure mode: the real Log Analytics client against the loopback fake of
// its query API, asked in the cluster's resource context.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LogAnalyticsKubeAudit } from "../../../src/adapters/azure/logAnalyticsKubeAudit.js";
import { ARM_ACTIONS } from "../../../src/domain/armActions.js";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import type { AdminCall } from "../../../src/domain/evidence.js";
import { adminCallsQuery, COMPLETION_SLACK_MS } from "../../../src/domain/kubeAuditQuery.js";
import { TransientError } from "../../../src/ports/errors.js";
import { ADMIN_CALL_ROW_LIMIT } from "../../../src/ports/kubeAuditLog.js";
import { azureHarness } from "../../support/azureHarness.js";
import { FakeLogAnalytics } from "../../support/fakes/fakeLogAnalytics.js";
import { bearerFor, fakeCredential } from "../../support/fakes/https.js";
import { auditIdOf, withAuditIds } from "../../support/kubeAudit.js";

const ID =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-a";
const cluster = parseManagedClusterId(ID)!;
const other = parseManagedClusterId(ID.replace("aks-a", "aks-b"))!;
const FROM = new Date("2026-11-28T10:00:00.000Z");
const TO = new Date("2026-11-28T10:30:00.000Z");
const INGESTION_DELAY_MS = 3 * 60_000;

function call(id: string, at: string, overrides: Partial<AdminCall> = {}): AdminCall {
  return {
    id,
    at,
    verb: "delete",
    resource: "pods",
    namespace: "kube-system",
    name: `coredns-${id}`,
    user: "masterclient",
    sourceIp: "203.0.113.7",
    status: 200,
    ...overrides,
  };
}

let logs: FakeLogAnalytics;
let now: Date;

beforeAll(async () => {
  logs = await new FakeLogAnalytics().start();
  logs.clock = () => now;
  logs.ingestionDelayMs = INGESTION_DELAY_MS;
  logs.addCalls(ID, [call("a1", "2026-11-28T10:05:00.000Z"), call("a3", "2026-11-28T10:29:30.000Z")]);
  // The same call in both resource-specific tables (a get is only in AKSAudit), and another user's call.
  logs.addCalls(
    ID,
    [
      call("a1", "2026-11-28T10:05:00.000Z"),
      call("a2", "2026-11-28T10:06:00.000Z", { verb: "get", resource: "secrets" }),
    ],
    { table: "AKSAudit" },
  );
  logs.addCalls(ID, [call("x1", "2026-11-28T10:07:00.000Z", { user: "system:serviceaccount:kube-system:foo" })]);
  // Before and after the window, and on another cluster.
  logs.addCalls(ID, [call("b0", "2026-11-28T09:59:59.000Z"), call("b9", "2026-11-28T10:30:01.000Z")]);
  logs.addCalls(other.id, [call("o1", "2026-11-28T10:05:00.000Z")]);
});
afterAll(() => logs.stop());
beforeEach(() => {
  now = new Date("2026-11-28T10:40:00.000Z");
  logs.requests.length = 0;
});

const reader = () => new LogAnalyticsKubeAudit(fakeCredential, { endpoint: logs.url, maxRetries: 0, timeoutMs: 2_000 });
const ids = (answer: Awaited<ReturnType<LogAnalyticsKubeAudit["adminCalls"]>>) =>
  answer.kind === "found" ? answer.calls.map((found) => auditIdOf(found)) : answer;

describe("kube-audit through Log Analytics", () => {
  it("asks the template's query in the cluster's resource context, over the period, with a token for the endpoint", async () => {
    const answer = await reader().adminCalls(cluster, FROM, TO);
    expect(withAuditIds(answer)).toEqual({
      kind: "found",
      truncated: false,
      calls: [
        call("a1", "2026-11-28T10:05:00.000Z"),
        call("a2", "2026-11-28T10:06:00.000Z", { verb: "get", resource: "secrets" }),
        call("a3", "2026-11-28T10:29:30.000Z"),
      ],
    });
    const [asked] = logs.queries();
    expect(asked).toEqual({
      scope: ID,
      query: adminCallsQuery(ID, FROM, TO, ADMIN_CALL_ROW_LIMIT),
      timespan: `${FROM.toISOString()}/${new Date(TO.getTime() + COMPLETION_SLACK_MS).toISOString()}`,
      authorization: bearerFor(logs),
    });
    expect(logs.requests).toHaveLength(1);
  });

  it("does not see a call until its row is ingested, then does", async () => {
    now = new Date("2026-11-28T10:31:00.000Z"); // a3 was made 90 s ago: still on its way
    expect(ids(await reader().adminCalls(cluster, FROM, TO))).toEqual(["a1", "a2"]);
    now = new Date("2026-11-28T10:32:30.000Z");
    expect(ids(await reader().adminCalls(cluster, FROM, TO))).toEqual(["a1", "a2", "a3"]);
  });

  it("keeps a call received in the period whose row was written after it ended", async () => {
    const late =
      "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-late";
    logs.addCalls(late, [call("exec", "2026-11-28T10:29:00.000Z", { verb: "create", resource: "pods/exec" })], {
      completedAfterMs: 20 * 60_000,
      ingestionDelayMs: 0,
    });
    now = new Date("2026-11-28T11:00:00.000Z");
    expect(ids(await reader().adminCalls(parseManagedClusterId(late)!, FROM, TO))).toEqual(["exec"]);
  });

  it("answers none, found, for a cluster whose workspace holds nothing", async () => {
    const empty = parseManagedClusterId(ID.replace("aks-a", "aks-empty"))!;
    expect(await reader().adminCalls(empty, FROM, TO)).toEqual({ kind: "found", calls: [], truncated: false });
  });

  it("leaves out a table the app may not read, as the service does: an empty answer is no proof", async () => {
    logs.unreadableTables.add("AKSAuditAdmin");
    try {
      expect(ids(await reader().adminCalls(cluster, FROM, TO))).toEqual(["a1", "a2"]);
    } finally {
      logs.unreadableTables.clear();
    }
  });

  it("says truncated when the log holds more calls than it answers", async () => {
    const busy = ID.replace("aks-a", "aks-busy");
    const start = Date.parse("2026-11-28T10:01:00.000Z");
    logs.addCalls(
      busy,
      Array.from({ length: ADMIN_CALL_ROW_LIMIT + 5 }, (_, index) =>
        call(`c${String(index).padStart(5, "0")}`, new Date(start + index * 100).toISOString()),
      ),
      { ingestionDelayMs: 0 },
    );
    const answer = await reader().adminCalls(parseManagedClusterId(busy)!, FROM, TO);
    expect(answer.kind === "found" && [answer.calls.length, answer.truncated, auditIdOf(answer.calls.at(-1)!)]).toEqual(
      [ADMIN_CALL_ROW_LIMIT, true, `c${String(ADMIN_CALL_ROW_LIMIT - 1).padStart(5, "0")}`],
    );
  });

  it("throws a throttled query as transient, with the service's Retry-After", async () => {
    logs.throttle(1, 7);
    const error = await reader()
      .adminCalls(cluster, FROM, TO)
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: "LOGS_THROTTLED", retryAfterMs: 7_000 });
    expect(ids(await reader().adminCalls(cluster, FROM, TO))).toEqual(["a1", "a2", "a3"]);
  });

  it("retries a throttled query inside the SDK when allowed, after the Retry-After", async () => {
    logs.throttle(1, 0);
    const retrying = new LogAnalyticsKubeAudit(fakeCredential, { endpoint: logs.url, maxRetries: 1, timeoutMs: 2_000 });
    expect(ids(await retrying.adminCalls(cluster, FROM, TO))).toEqual(["a1", "a2", "a3"]);
    expect(logs.queries()).toHaveLength(2);
  });

  it("says unavailable, naming the reads it needs, when the app may not query the cluster's logs", async () => {
    logs.refuse();
    const answer = await reader().adminCalls(cluster, FROM, TO);
    expect(answer).toMatchObject({ kind: "unavailable", code: "LOGS_FORBIDDEN" });
    for (const read of [ARM_ACTIONS.readKubeAudit, ARM_ACTIONS.readKubeAuditAdmin, ARM_ACTIONS.readLegacyDiagnostics])
      expect(answer.kind === "unavailable" && answer.reason).toContain(read.action);
  });

  it("says unavailable with the service's reason when it rejects the query", async () => {
    logs.inject({
      method: "POST",
      response: {
        status: 400,
        body: {
          error: {
            code: "BadArgumentError",
            message: "The request had some invalid properties",
            innererror: { code: "SemanticError", message: "Failed to resolve table expression named 'AKSAudit'" },
          },
        },
      },
    });
    expect(await reader().adminCalls(cluster, FROM, TO)).toEqual({
      kind: "unavailable",
      code: "LOGS_QUERY_REJECTED",
      reason:
        "Log Analytics refused the kube-audit query of aks-a (BadArgumentError): The request had some invalid properties " +
        "(Failed to resolve table expression named 'AKSAudit')",
    });
  });

  it("throws a failing or silent service as transient", async () => {
    logs.inject({
      method: "POST",
      response: {
        status: 503,
        headers: { "Retry-After": "2" },
        body: { error: { code: "ServiceUnavailable", message: "later" } },
      },
    });
    await expect(reader().adminCalls(cluster, FROM, TO)).rejects.toMatchObject({
      code: "LOGS_503",
      retryAfterMs: 2_000,
    });
    logs.inject({ method: "POST", response: { status: 200, hang: true } });
    const impatient = new LogAnalyticsKubeAudit(fakeCredential, { endpoint: logs.url, maxRetries: 0, timeoutMs: 50 });
    await expect(impatient.adminCalls(cluster, FROM, TO)).rejects.toMatchObject({ code: "LOGS_UNAVAILABLE" });
  });

  it("keeps a partial answer's rows, saying it is incomplete rather than truncated", async () => {
    logs.inject({
      method: "POST",
      response: {
        status: 200,
        body: {
          tables: [
            {
              name: "PrimaryResult",
              columns: [
                { name: "AuditId", type: "string" },
                { name: "At", type: "datetime" },
              ],
              rows: [["p1", "2026-11-28T10:05:00Z"]],
            },
          ],
          error: { code: "PartialError", message: "There were some errors when processing your query." },
        },
      },
    });
    const answer = await reader().adminCalls(cluster, FROM, TO);
    expect(withAuditIds(answer)).toMatchObject({
      kind: "found",
      truncated: false,
      incomplete: "PartialError: There were some errors when processing your query.",
      calls: [{ id: "p1", at: "2026-11-28T10:05:00.000Z" }],
    });
  });

  it("asks for a token for the endpoint it is given, a sovereign cloud's as the public one's", async () => {
    const scopes: string[] = [];
    const recording = {
      getToken: async (scope: string | string[]) => {
        scopes.push(...[scope].flat());
        return fakeCredential.getToken(scope);
      },
    };
    await new LogAnalyticsKubeAudit(recording, { endpoint: `${logs.url}/`, maxRetries: 0 }).adminCalls(
      cluster,
      FROM,
      TO,
    );
    expect(scopes).toEqual([`${logs.url}/.default`]);
    expect(logs.queries()[0]!.authorization).toBe(bearerFor(logs));
  });

  it("refuses a period that is no period before asking anything", async () => {
    await expect(reader().adminCalls(cluster, TO, FROM)).rejects.toThrow(RangeError);
    await expect(reader().adminCalls(cluster, new Date(NaN), TO)).rejects.toThrow(RangeError);
    expect(logs.requests).toHaveLength(0);
  });
});

describe("kube-audit in the azure harness", () => {
  it("reads the world's Log Analytics at BREAKGLASS_LOGS_ENDPOINT, its rows ingested on the app's clock", async () => {
    const h = await azureHarness();
    // The services do not hand the port out (the workflow uses it); the adapter as composition builds it.
    const kubeAudit = new LogAnalyticsKubeAudit(h.azure.options.credential!, {
      endpoint: h.config.endpoints.logs,
      maxRetries: 0,
    });
    const target = h.cluster();
    const from = h.clock.date();
    h.azure.logs.addCalls(target.id, [call("h1", new Date(from.getTime() + 1_000).toISOString())], {
      ingestionDelayMs: INGESTION_DELAY_MS,
    });
    h.clock.advance(60_000);
    const to = h.clock.date();
    expect(ids(await kubeAudit.adminCalls(target, from, to))).toEqual([]);
    h.clock.advance(INGESTION_DELAY_MS);
    expect(ids(await kubeAudit.adminCalls(target, from, to))).toEqual(["h1"]);
    expect(h.azure.logs.queries().map((asked) => [asked.scope, asked.authorization])).toEqual([
      [target.id, bearerFor(h.azure.logs)],
      [target.id, bearerFor(h.azure.logs)],
    ]);
  });
});
