// GET /api/readiness (approvers): whether the break-glass path would open now, check by check, in
// the README's API shape. It answers from the readiness cache, so callers cannot spend the app's ARM and
// Graph quotas; the checks' messages name only the app's own resources and never carry secrets.
import type { HttpRequest } from "@azure/functions";
import type { ReadinessMonitor } from "../readiness/monitor.js";
import { jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

export interface ReadinessHandlerDependencies {
  readonly readiness: Pick<ReadinessMonitor, "report">;
  /** Lets only approvers through (and audits anyone else's attempt); throws otherwise. */
  readonly approverOnly: (request: HttpRequest, context: Parameters<HttpHandler>[1], action: string) => Promise<void>;
}

/** Answers 200 with the report whether or not it is ready: `ready` says which. */
export function readinessHandler(deps: ReadinessHandlerDependencies): HttpHandler {
  return async (request, context) => {
    await deps.approverOnly(request, context, "read-readiness");
    return jsonResponse(200, await deps.readiness.report());
  };
}
