// kube-audit through Log Analytics when the answer is an error the SDK cannot read itself: no body,
// plain text or a gateway's HTML page (the SDK 1.0.0 reads every error body as the API's JSON), and
// a partial answer, which is not the row limit. The real client against the loopback fake.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LogAnalyticsKubeAudit } from "../../../src/adapters/azure/logAnalyticsKubeAudit.js";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import type { AdminCall } from "../../../src/domain/evidence.js";
import { TransientError } from "../../../src/ports/errors.js";
import { FakeLogAnalytics, type ErrorBody } from "../../support/fakes/fakeLogAnalytics.js";
import { fakeCredential } from "../../support/fakes/https.js";
import { withAuditIds } from "../../support/kubeAudit.js";

const ID =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-a";
const cluster = parseManagedClusterId(ID)!;
const FROM = new Date("2026-11-28T10:00:00.000Z");
const TO = new Date("2026-11-28T10:30:00.000Z");
const CALL: AdminCall = {
  id: "a1",
  at: "2026-11-28T10:05:00.000Z",
  verb: "delete",
  resource: "pods",
  namespace: "kube-system",
  name: "coredns-a1",
  user: "masterclient",
  sourceIp: "203.0.113.7",
  status: 200,
};

let logs: FakeLogAnalytics;

beforeAll(async () => {
  logs = await new FakeLogAnalytics().start();
  logs.clock = () => new Date("2026-11-28T10:40:00.000Z");
  logs.addCalls(ID, [CALL]);
});
afterAll(() => logs.stop());
beforeEach(() => {
  logs.requests.length = 0;
  logs.partialError = undefined;
});

const reader = (maxRetries = 0) =>
  new LogAnalyticsKubeAudit(fakeCredential, { endpoint: logs.url, maxRetries, timeoutMs: 2_000 });
const thrown = (maxRetries = 0) =>
  reader(maxRetries)
    .adminCalls(cluster, FROM, TO)
    .catch((error: unknown) => error);
const BODIES: readonly ErrorBody[] = ["json", "none", "text", "html"];

describe("kube-audit errors whatever their body", () => {
  it.each(BODIES)("throws a throttled query (429, %s body) as LOGS_THROTTLED with its Retry-After", async (body) => {
    logs.throttle(1, 7, body);
    const error = await thrown();
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: "LOGS_THROTTLED", retryAfterMs: 7_000 });
  });

  it.each(BODIES)("throws a failing service (503, %s body) as LOGS_503 with its Retry-After", async (body) => {
    logs.fail(503, { body, retryAfterSeconds: 2 });
    const error = await thrown();
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: "LOGS_503", retryAfterMs: 2_000 });
  });

  it("says what a page that is not the API's error was, not what it holds", async () => {
    logs.fail(502, { body: "html" });
    expect(await thrown()).toMatchObject({
      code: "LOGS_502",
      message: "Log Analytics could not answer the kube-audit query of aks-a: HTTP 502 with a text/html body",
    });
    logs.fail(503, { body: "none" });
    expect(await thrown()).toMatchObject({ message: expect.stringMatching(/: HTTP 503 with no body$/) });
  });

  it.each([
    [401, "InvalidTokenError"],
    [403, "InsufficientAccessError"],
  ] as const)("says unavailable LOGS_FORBIDDEN for a %i whatever its body", async (status, serviceCode) => {
    for (const body of BODIES) {
      logs.refuse(body, status);
      expect(await reader().adminCalls(cluster, FROM, TO)).toMatchObject({
        kind: "unavailable",
        code: "LOGS_FORBIDDEN",
        reason: expect.stringContaining(`aks-a (${body === "json" ? serviceCode : `HTTP_${status}`}): it needs`),
      });
    }
  });

  it("still retries a bodyless 429 inside the SDK when allowed, and reads the answer after it", async () => {
    logs.throttle(1, 0, "none");
    expect(withAuditIds(await reader(1).adminCalls(cluster, FROM, TO))).toEqual({
      kind: "found",
      calls: [CALL],
      truncated: false,
    });
    expect(logs.received("POST")).toHaveLength(2);
  });
});

describe("a partial answer", () => {
  it("keeps its rows, is not truncated, and says on one line why it is incomplete", async () => {
    logs.partialError = {
      code: "PartialError",
      message: "There were some errors when processing your query.",
      details: [
        {
          code: "EngineError",
          message:
            "Query execution has exceeded the allowed limits (80DA0003).\nSee https://aka.ms/kustoquerylimits for more information.",
        },
      ],
    };
    expect(withAuditIds(await reader().adminCalls(cluster, FROM, TO))).toEqual({
      kind: "found",
      calls: [CALL],
      truncated: false,
      incomplete:
        "PartialError: There were some errors when processing your query.; " +
        "EngineError: Query execution has exceeded the allowed limits (80DA0003). See [link] for more information.",
    });
  });

  it("says incomplete even when the service does not say why", async () => {
    logs.partialError = {};
    expect(await reader().adminCalls(cluster, FROM, TO)).toMatchObject({
      incomplete: "the log answered only in part, without saying why",
    });
  });
});
