// The functions/ registrations, captured the way the offline host captures them: one list of
// functions, checked for consistency against docs/design.md §4 and the workflow's activities.
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { captureFunctions, triggerOf, type FunctionRegistration } from "../../dev/functionsCapture.js";

const FUNCTIONS_DIR = resolve(import.meta.dirname, "../../functions");
const modules = readdirSync(FUNCTIONS_DIR)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => resolve(FUNCTIONS_DIR, file));

const SIMULATION_ENV = { BREAKGLASS_MODE: "simulation" };
const AZURE_ENV = {
  BREAKGLASS_MODE: "azure",
  AZURE_TENANT_ID: "11111111-2222-3333-4444-555555555555",
  BREAKGLASS_API_AUDIENCE: "api://breakglass",
  BREAKGLASS_EMERGENCY_GROUP_ID: "aaaaaaaa-0000-0000-0000-000000000001",
  BREAKGLASS_APPROVER_GROUP_ID: "aaaaaaaa-0000-0000-0000-000000000002",
  BREAKGLASS_CLUSTERS:
    "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
  BREAKGLASS_LINK_SIGNING_KEY: "0123456789abcdef0123456789abcdef-secret",
  BREAKGLASS_PUBLIC_BASE_URL: "https://breakglass.contoso.com",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
};

async function registrationsIn(env: Record<string, string>): Promise<FunctionRegistration[]> {
  for (const name of Object.keys({ ...SIMULATION_ENV, ...AZURE_ENV })) delete process.env[name];
  Object.assign(process.env, env);
  vi.resetModules(); // a fresh load of functions/ and of the configuration they parse
  const before = (await captureFunctions([])).length;
  return (await captureFunctions(modules)).slice(before);
}

function httpRoutes(registrations: readonly FunctionRegistration[]) {
  return registrations
    .map((registration) => ({ registration, trigger: triggerOf(registration) }))
    .filter(({ trigger }) => trigger.type === "httpTrigger")
    .flatMap(({ trigger }) => (trigger.methods ?? []).map((method) => `${method} ${trigger.route}`))
    .sort();
}

describe("functions/ registrations", () => {
  let simulation: FunctionRegistration[];
  let azure: FunctionRegistration[];

  beforeAll(async () => {
    simulation = await registrationsIn({ ...SIMULATION_ENV, AzureWebJobsStorage: inject("azuriteConnectionString") });
    azure = await registrationsIn(AZURE_ENV);
  });

  it("declare the HTTP API of docs/design.md §4, with the simulation routes only in simulation mode", () => {
    const api = [
      "GET audit",
      "GET audit/verify",
      "GET clusters",
      "GET health",
      "GET readiness",
      "GET requests",
      "GET requests/{id}",
      "GET requests/{id}/evidence",
      "POST requests",
      "POST requests/{id}/approve",
      "POST requests/{id}/close",
      "POST requests/{id}/deny",
      "POST requests/{id}/extend",
      "GET requests/{id}/review",
      "POST requests/{id}/review",
      "GET console",
      "GET console/requests/{id}",
      "POST console/requests",
      "POST console/requests/{id}/{action}",
      "POST graph/notifications",
    ];
    const dev = [
      "POST dev/token",
      "GET dev/login",
      "GET dev/outbox",
      "POST dev/directory/groups/{group}/members",
      "DELETE dev/directory/groups/{group}/members/{user}",
      "POST dev/clusters/{name}/local-accounts",
      "POST dev/clusters/{name}/admin-credentials",
      "POST dev/clusters/{name}/kubectl",
      "POST dev/clusters/{name}/faults",
      "POST dev/clusters/{name}/permissions",
      "POST dev/clusters/{name}/emergency-role",
      "POST dev/clusters/{name}/audit-logs",
      "POST dev/clusters",
      "GET dev/calls",
    ];
    expect(httpRoutes(simulation)).toEqual([...api, ...dev].sort());
    expect(httpRoutes(azure)).toEqual([...api].sort());
  });

  it("have unique names and routes, and an explicit auth level on every HTTP trigger", () => {
    const names = simulation.map((registration) => registration.name);
    expect(new Set(names).size).toBe(names.length);
    const routes = httpRoutes(simulation);
    expect(new Set(routes).size).toBe(routes.length);
    for (const registration of simulation) {
      const trigger = triggerOf(registration);
      if (trigger.type === "httpTrigger") expect(trigger.authLevel, registration.name).toBe("anonymous");
    }
  });

  it("give every timer a valid NCRONTAB schedule", async () => {
    const { CronExpressionParser } = await import("cron-parser");
    const timers = simulation.filter((candidate) => triggerOf(candidate).type === "timerTrigger");
    expect(timers.map((timer) => timer.name)).toEqual(["watchdog", "groupWatch", "readinessWatch"]);
    for (const registration of timers) {
      const schedule = String(triggerOf(registration).schedule);
      expect(schedule.split(/\s+/), registration.name).toHaveLength(6);
      expect(() => CronExpressionParser.parse(schedule), registration.name).not.toThrow();
    }
  });

  it("register the orchestrators and every activity they call", async () => {
    const { ACTIVITY_NAMES, GROUP_WATCH_ORCHESTRATOR, WINDOW_ORCHESTRATOR } =
      await import("../../src/workflow/contracts.js");
    const byType = (type: string) =>
      simulation
        .filter((registration) => triggerOf(registration).type === type)
        .map((r) => r.name)
        .sort();
    expect(byType("orchestrationTrigger")).toEqual([WINDOW_ORCHESTRATOR, GROUP_WATCH_ORCHESTRATOR].sort());
    expect(byType("activityTrigger")).toEqual([...ACTIVITY_NAMES].sort());
  });

  it("give the routes that start or steer workflows a durable client", () => {
    for (const name of [
      "createRequest",
      "approveRequest",
      "denyRequest",
      "closeRequest",
      "extendRequest",
      "submitReview",
      "watchdog",
      "graphNotifications",
    ]) {
      const registration = simulation.find((candidate) => candidate.name === name)!;
      expect(
        Object.values(registration.bindings).map((binding) => binding.type),
        name,
      ).toContain("durableClient");
    }
  });

  it("serve requests through the process's app", async () => {
    const { HttpRequest, InvocationContext } = await import("@azure/functions");
    const invoke = (name: string, request: InstanceType<typeof HttpRequest>) =>
      simulation
        .find((registration) => registration.name === name)!
        .handler(request, new InvocationContext({ functionName: name })) as Promise<{
        status: number;
        body: string;
      }>;
    // These registrations were loaded with the simulation configuration, which their modules keep.
    const health = await invoke("health", new HttpRequest({ method: "GET", url: "http://localhost/api/health" }));
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok", mode: "simulation", api: 1 });
  });
});
