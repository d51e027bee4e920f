// The offline host with registrations of its own (test/fixtures/hostFunctions): timers on their
// schedule, route parameters, cookies, and the Durable Task HTTP API behind the real durable client.
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { installFunctionsCore } from "../../dev/functionsCapture.js";
import { FUNCTIONS_DIR_VARIABLE, offlineHostOptions, REQUEST_TIMEOUT_VARIABLE } from "../../dev/host/main.js";
import type { OfflineHost } from "../../dev/host/offlineHost.js";
import { eventually, freePort } from "../support/processes.js";

let host: OfflineHost;
const lines: string[] = [];

beforeAll(async () => {
  installFunctionsCore(); // before anything loads @azure/functions
  const { OfflineHost: Host } = await import("../../dev/host/offlineHost.js");
  host = await Host.start({
    functionsDir: resolve(import.meta.dirname, "../fixtures/hostFunctions"),
    port: await freePort(),
    hostname: "127.0.0.1",
    storage: { connectionString: inject("azuriteConnectionString") },
    taskHub: `hosttest${Date.now()}`,
    log: (line) => lines.push(line),
  });
});
afterAll(() => host.stop());

const post = (path: string, body = "") => fetch(`${host.url}${path}`, { method: "POST", body });

describe("offline host", () => {
  it("runs timer functions on their schedule", async () => {
    const ticks = () => (globalThis as unknown as { hostTestTicks: { isPastDue: boolean }[] }).hostTestTicks;
    await eventually(async () => expect(ticks().length).toBeGreaterThanOrEqual(2), 5_000);
    expect(ticks()[0]).toMatchObject({ isPastDue: false });
    expect(lines.some((line) => /^timer tick ok \d+ms$/.test(line))).toBe(true);
  });

  it("serves HTTP functions with route parameters, query, body, JSON and cookies", async () => {
    const response = await post("/api/echo/42?q=x", "hello");
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: "42", query: "x", body: "hello" });
    expect(response.headers.get("set-cookie")).toBe("seen=yes; Path=/; HttpOnly; SameSite=Strict");
    expect(lines).toContain(lines.find((line) => /^POST \/api\/echo\/42 → 201 echo \d+ms$/.test(line)));
    expect((await fetch(`${host.url}/api/echo/42`)).status).toBe(405);
    expect((await fetch(`${host.url}/api/%E0%A4%A`)).status).toBe(404);
  });

  it("refuses bodies beyond its limit", async () => {
    expect((await post("/api/echo/1", "x".repeat(1024 * 1024 + 1))).status).toBe(413);
  });

  it("gives the durable client start, status, raise event and terminate", async () => {
    const started = await (await post("/api/durable/start/one")).json();
    expect(started).toEqual({ runtimeStatus: "Running", output: null });
    expect(await (await post("/api/durable/go/one", "go")).json()).toEqual({
      runtimeStatus: "Completed",
      output: "GO",
    });
    // Raising an event on an ended instance is no error for the client (the API answers 410).
    expect(await (await post("/api/durable/go/one", "again")).json()).toEqual({
      runtimeStatus: "Completed",
      output: "GO",
    });
    await post("/api/durable/start/two");
    expect(await (await post("/api/durable/terminate/two")).json()).toEqual({
      runtimeStatus: "Terminated",
      output: "by test",
    });
    expect(lines.some((line) => line.includes("activity shout (one#0) ok"))).toBe(true);
  });
});

describe("offline host settings", () => {
  const log = () => undefined;

  it("takes its 408 deadline from the environment, and refuses one it cannot use", () => {
    expect(offlineHostOptions({}, log).requestTimeoutMs).toBeUndefined(); // the host's default, 10 s
    expect(offlineHostOptions({ [REQUEST_TIMEOUT_VARIABLE]: "250" }, log).requestTimeoutMs).toBe(250);
    for (const unusable of ["", "0", "-5", "1.5", "10s"])
      expect(() => offlineHostOptions({ [REQUEST_TIMEOUT_VARIABLE]: unusable }, log)).toThrow(
        `${REQUEST_TIMEOUT_VARIABLE} must be a whole number of milliseconds, not "${unusable}"`,
      );
  });

  it("keeps its orchestration state on the app's own storage settings, and refuses ones the app would", () => {
    expect(offlineHostOptions({}, log).storage).toEqual({ connectionString: "UseDevelopmentStorage=true" });
    expect(
      offlineHostOptions({ AzureWebJobsStorage__accountName: "stbreakglass01", AZURE_CLIENT_ID: "" }, log).storage,
    ).toMatchObject({ tableServiceUri: "https://stbreakglass01.table.core.windows.net" });
    expect(() => offlineHostOptions({ AzureWebJobsStorage__accountName: "St-Breakglass" }, log)).toThrow(
      "storage settings: AzureWebJobsStorage__accountName: must be a storage account name",
    );
  });

  it("serves the functions of the folder the environment names (an unzipped package), else its own build's", () => {
    expect(offlineHostOptions({}, log).functionsDir).toBe(resolve(import.meta.dirname, "../../functions"));
    expect(offlineHostOptions({ [FUNCTIONS_DIR_VARIABLE]: "unzipped/dist/functions" }, log).functionsDir).toBe(
      resolve("unzipped/dist/functions"),
    );
  });
});
