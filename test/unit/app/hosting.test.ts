// An app that cannot be composed (storage down at start, a broken dependency) is answered like
// any other failure: the API's JSON error, never the host's bare 500 or a stack trace.
import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it, vi } from "vitest";
import { TransientError } from "../../../src/ports/errors.js";

const failure = vi.hoisted((): { error: Error; app?: object } => ({ error: new Error("not set") }));
vi.mock("../../../src/app/composition.js", () => ({
  getApp: () => (failure.app ? Promise.resolve(failure.app) : Promise.reject(failure.error)),
}));
// The registrations parsed the configuration at load; hosting hands that to the composition.
vi.mock("../../../src/app/config.js", () => ({ loadConfig: () => ({}) }));
const { apiHandler, watchdogHandler } = await import("../../../src/app/hosting.js");

async function health() {
  const context = new InvocationContext({ functionName: "health", invocationId: "inv-1", logHandler: () => undefined });
  return apiHandler("health")(new HttpRequest({ method: "GET", url: "http://localhost/api/health" }), context);
}

describe("hosting", () => {
  it("sweeps unsettled actions after every watchdog round, also one that failed", async () => {
    const calls: string[] = [];
    failure.app = {
      workflow: () => ({}),
      watchdog: { run: () => (calls.push("watchdog"), Promise.reject(new Error("ARM down"))) },
      delivery: {
        sweep: () => (calls.push("sweep"), Promise.resolve({ settled: 1, recordedLate: 1, outstanding: 0 })),
      },
    };
    const context = new InvocationContext({
      functionName: "watchdog",
      invocationId: "inv-2",
      logHandler: () => undefined,
    });
    await expect(watchdogHandler()(undefined, context)).rejects.toThrow("ARM down");
    expect(calls).toEqual(["watchdog", "sweep"]);
    delete failure.app;
  });

  it("runs the evidence watch right after the watchdog round, and logs what it found", async () => {
    const calls: string[] = [];
    const logged: string[] = [];
    const report = { cluster: "c", action: "read", found: 1, ended: [] };
    failure.app = {
      workflow: () => ({}),
      watchdog: { run: () => (calls.push("watchdog"), Promise.resolve([])) },
      evidenceWatch: { run: () => (calls.push("evidence"), Promise.resolve([report])) },
      delivery: {
        sweep: () => (calls.push("sweep"), Promise.resolve({ settled: 0, recordedLate: 0, outstanding: 0 })),
      },
    };
    const context = new InvocationContext({
      functionName: "watchdog",
      invocationId: "inv-3",
      logHandler: (_level, ...args) => logged.push(args.map(String).join(" ")),
    });
    await watchdogHandler()(undefined, context);
    expect(calls).toEqual(["watchdog", "evidence", "sweep"]);
    expect(logged).toEqual([`evidence watch ${JSON.stringify(report)}`]);
    delete failure.app;
  });

  it("answers 503 with Retry-After when composing the app meets a transient failure", async () => {
    failure.error = new TransientError("STORAGE_UNAVAILABLE", "Table Storage: create table failed", 2_000);
    const response = await health();
    expect(response.status).toBe(503);
    expect(new Headers(response.headers).get("retry-after")).toBe("2");
    expect(JSON.parse(response.body as string)).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE" } });
  });

  it("answers a generic 500 without details when composing the app fails for another reason", async () => {
    failure.error = new Error("boom at /srv/app/composition.ts:42");
    const response = await health();
    expect(response.status).toBe(500);
    expect(response.body as string).not.toContain("composition.ts");
    expect(JSON.parse(response.body as string)).toMatchObject({ error: { code: "INTERNAL_ERROR" } });
  });
});
