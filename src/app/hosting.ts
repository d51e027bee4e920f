// Glue between the Functions registrations in functions/ and the app: each registered handler
// resolves the process's app on first use, so registrations stay one line each. The composition
// (and every SDK it wires) loads with the first invocation, not with the registrations
// (docs/design.md §13).
import { app, type FunctionInput, type HttpMethod, type InvocationContext } from "@azure/functions";
import type { App } from "./composition.js";
import { loadConfig } from "./config.js";
import type { ApiHandlers } from "../http/api.js";
import type { DevHandlers } from "../http/dev.js";
import { errorResponse } from "../http/errors.js";
import type { HttpHandler } from "../http/handler.js";
import type { ReviewHandlers } from "../http/review.js";
import type { ConsoleHandlers } from "../http/console/handlers.js";
import type { Activities, ActivityName } from "../workflow/contracts.js";

/** The process's app, its modules loaded on first use, composed from the configuration parsed at load. */
async function getApp(): Promise<App> {
  return (await import("./composition.js")).getApp(loadConfig());
}

/**
 * A handler that resolves the process's app on first use. What the handler does is answered by its
 * own boundary (http/handler.ts); only an app that cannot be composed (a configuration error, a
 * dependency down at start) is answered here, with the same mapping, so no request meets two.
 */
function appHandler(pick: (app: App) => HttpHandler): HttpHandler {
  return async (request, context) => {
    let handler: HttpHandler;
    try {
      handler = pick(await getApp());
    } catch (error) {
      return errorResponse(error, context);
    }
    return handler(request, context);
  };
}

export function apiHandler(name: keyof ApiHandlers): HttpHandler {
  return appHandler((app) => app.api[name]);
}

export function reviewHandler(name: keyof ReviewHandlers): HttpHandler {
  return appHandler((app) => app.review[name]);
}

export function consoleHandler(name: keyof ConsoleHandlers): HttpHandler {
  return appHandler((app) => app.console[name]);
}

export function devHandler(name: keyof DevHandlers): HttpHandler {
  return appHandler((app) => {
    if (!app.dev) throw new Error("dev routes exist only in simulation mode");
    return app.dev[name];
  });
}

/**
 * Registers an HTTP route without a function key: callers are authenticated by their Entra token
 * (or, in simulation, by the simulated sign-in). `extraInputs` carries the durable client where
 * the route starts or signals a workflow.
 */
export function anonymousRoute(
  name: string,
  methods: HttpMethod[],
  route: string,
  handler: HttpHandler,
  extraInputs: FunctionInput[] = [],
): void {
  app.http(name, { route, methods, authLevel: "anonymous", extraInputs, handler });
}

/**
 * The watchdog timer: one round over every cluster, with the invocation's durable client, then the
 * evidence watch's round (BREAKGLASS_EVIDENCE=on); then the sweep that records actions no workflow
 * took (after the rounds, which matter more, whatever they met).
 */
export function watchdogHandler(): (timer: unknown, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    const composed = await getApp();
    const workflow = composed.workflow(context);
    try {
      const reports = await composed.watchdog.run(workflow);
      for (const report of reports) {
        if (report.action !== "none" || report.pruned.length || report.condition)
          context.log(`watchdog ${JSON.stringify(report)}`);
      }
      for (const report of (await composed.evidenceWatch?.run()) ?? []) {
        if (report.action === "unread" || report.action === "failed" || report.found || report.ended.length)
          context.log(`evidence watch ${JSON.stringify(report)}`);
      }
    } finally {
      const swept = await composed.delivery.sweep(workflow, (message) => context.warn(message));
      if (swept.settled || swept.outstanding) context.log(`action sweep ${JSON.stringify(swept)}`);
    }
  };
}

/** POST /api/graph/notifications. */
export function graphNotificationsHandler(): HttpHandler {
  return appHandler((app) => app.graphNotifications);
}

/** The readiness timer: every check afresh; each change alerted and audited once. */
export function readinessHandler(): (timer: unknown, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    const { report, changes } = await (await getApp()).readinessWatch.run();
    if (changes.length || !report.ready)
      context.log(`readiness ${JSON.stringify({ ready: report.ready, changes: changes.length })}`);
  };
}

/** The group-watch timer: one run over both groups (and the Graph subscriptions). */
export function groupWatchHandler(): (timer: unknown, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    const report = await (await getApp()).groupWatch.run({ trigger: "timer" });
    if (report.groups.some((group) => group.added || group.removed || group.error) || report.subscriptions.length)
      context.log(`group watch ${JSON.stringify(report)}`);
  };
}

export function activityHandler<N extends ActivityName>(name: N): (input: unknown) => Promise<Activities[N]["output"]> {
  return async (input) => (await getApp()).activities[name](input as Activities[N]["input"]);
}
