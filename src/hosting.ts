// Glue between the Functions registrations in functions/ and the app: each registered handler
// resolves the process's app on first use, so registrations stay one line each.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { getApp } from "./composition.js";
import type { ApiHandlers } from "./http/api.js";
import type { DevHandlers } from "./http/dev.js";
import type { ReviewHandlers } from "./http/review.js";
import { errorResponse } from "./http/errors.js";
import type { Activities, ActivityName } from "./workflow/contracts.js";

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export function apiHandler(name: keyof ApiHandlers): Handler {
  return async (request, context) => {
    try {
      return await (await getApp()).api[name](request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

export function reviewHandler(name: keyof ReviewHandlers): Handler {
  return async (request, context) => {
    try {
      return await (await getApp()).review[name](request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

export function devHandler(name: keyof DevHandlers): Handler {
  return async (request, context) => {
    try {
      const dev = (await getApp()).dev;
      if (!dev) throw new Error("dev routes exist only in simulation mode");
      return await dev[name](request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

/** The watchdog timer: one round over every cluster, with the invocation's durable client. */
export function watchdogHandler(): (timer: unknown, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    const app = await getApp();
    const reports = await app.watchdog.run(app.workflow(context));
    for (const report of reports) {
      if (report.action !== "none" || report.pruned.length || report.condition) context.log(`watchdog ${JSON.stringify(report)}`);
    }
  };
}

/** POST /api/graph/notifications (its errors mapped like the API's). */
export function graphNotificationsHandler(): Handler {
  return async (request, context) => {
    try {
      return await (await getApp()).graphNotifications(request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

/** The group-watch timer: one run over both groups (and the Graph subscriptions). */
export function groupWatchHandler(): (timer: unknown, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    const report = await (await getApp()).groupWatch.run({ trigger: "timer" });
    if (report.groups.some((group) => group.added || group.removed || group.error) || report.subscriptions.length) context.log(`group watch ${JSON.stringify(report)}`);
  };
}

export function activityHandler<N extends ActivityName>(name: N): (input: unknown) => Promise<Activities[N]["output"]> {
  return async (input) => (await getApp()).activities[name](input as Activities[N]["input"]);
}
