// GET /api/console and GET /api/console/requests/{id}: what the signed-in viewer may see and do,
// read now. Reading never changes anything: these routes only read the stores, the fleet, ARM (for
// the few clusters whose switch matters) and the readiness report's cache.
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { approverRefusal, mayViewClusters, requesterRefusal } from "../../domain/access.js";
import { CONSOLE_NOTICES, consoleSections, isConsoleNotice, type ConsoleViewer } from "../../domain/console.js";
import { isRequestId } from "../../domain/ids.js";
import { mayViewRequest } from "../../domain/policy.js";
import type { ReadinessReport } from "../../domain/readiness.js";
import { bannerHtml, type Banner } from "../pages.js";
import { clusterStates } from "../clusterOverview.js";
import { readEvidence } from "../evidence.js";
import type { HttpHandler } from "../handler.js";
import { consolePage, forbiddenPage, type AskForm, type AskValues, type ConsoleModel } from "./page.js";
import { notFoundPage, requestPage } from "./requestPage.js";
import { CONSOLE_PATH, signedInViewer, type ConsoleDependencies, type Viewer } from "./viewer.js";

export interface ConsoleExtras {
  /** The status to answer with (the refusal's, when a form was refused); 200 by default. */
  readonly status?: number;
  /** A banner above the sections: a notice after a redirect, or why a form was refused. */
  readonly banner?: { readonly banner: Banner; readonly role: "status" | "alert" };
  /** The ask form as it was posted, shown again with its values. */
  readonly ask?: AskValues;
}

/** The viewer's groups, as the sections need them. */
export function rolesOf(viewer: Viewer): ConsoleViewer {
  const { roles } = viewer.member;
  return {
    oid: viewer.principal.oid,
    approver: approverRefusal(roles) === undefined,
    requester: requesterRefusal(roles) === undefined,
  };
}

/** The console as `viewer` may see it now. */
export async function consoleResponse(
  deps: ConsoleDependencies,
  viewer: Viewer,
  context: InvocationContext,
  extras: ConsoleExtras = {},
): Promise<HttpResponseInit> {
  const roles = rolesOf(viewer);
  if (!roles.approver && !roles.requester) return forbiddenPage(viewer);
  const now = deps.now();
  const requests = deps.requests.list({});
  const warn = (message: string) => context.warn(message);
  const [all, clusters, readiness, askable] = await Promise.all([
    requests,
    mayViewClusters(viewer.member.roles) ? clusterStates(deps, warn, requests) : undefined,
    roles.approver ? readinessOrUnknown(deps, warn) : undefined,
    roles.requester ? deps.fleet.list() : undefined,
  ]);
  const model: ConsoleModel = {
    viewer,
    roles,
    now,
    sections: consoleSections(all, roles, now),
    lockdownFailed: all.filter(
      (request) => request.status === "lockdown-failed" && mayViewRequest(request, roles.oid, roles.approver),
    ),
    csrf: (subject) => deps.tokens.issue(roles.oid, subject, now),
    ...(clusters ? { clusters } : {}),
    ...(readiness ? { readiness } : {}),
    ...(askable ? { ask: askForm(deps, askable, extras.ask) } : {}),
  };
  return consolePage(
    model,
    extras.status ?? 200,
    extras.banner ? bannerHtml(extras.banner.banner, extras.banner.role) : "",
  );
}

function askForm(deps: ConsoleDependencies, clusters: AskForm["clusters"], values: AskValues | undefined): AskForm {
  // A new key for every page served: one page's form, submitted twice, makes one request.
  const idempotencyKey = Buffer.from(deps.randomBytes(16)).toString("hex");
  return { clusters, policy: deps.config.policy, idempotencyKey, ...(values ? { values } : {}) };
}

/** The readiness report (cached by its monitor); "unknown" when it cannot be had now. */
async function readinessOrUnknown(
  deps: ConsoleDependencies,
  warn: (message: string) => void,
): Promise<ReadinessReport | "unknown"> {
  try {
    return await deps.readiness.report();
  } catch (error) {
    warn(`the console could not read the readiness report: ${String(error)}`);
    return "unknown";
  }
}

/** The notice a redirect after an accepted form names, if it names one of the closed set. */
function noticeOf(query: URLSearchParams): ConsoleExtras {
  const notice = query.get("notice") ?? "";
  if (!isConsoleNotice(notice)) return {};
  return { banner: { banner: { tone: "ok", text: CONSOLE_NOTICES[notice] }, role: "status" } };
}

export function consolePageHandler(deps: ConsoleDependencies): HttpHandler {
  return async (request, context) => {
    const gated = await signedInViewer(deps, request, CONSOLE_PATH);
    if (gated.page) return gated.page;
    return consoleResponse(deps, gated.viewer, context, noticeOf(request.query));
  };
}

export function requestPageHandler(deps: ConsoleDependencies): HttpHandler {
  return async (request) => {
    const id = request.params.id ?? "";
    const gated = await signedInViewer(deps, request, `${CONSOLE_PATH}/requests/${isRequestId(id) ? id : ""}`);
    if (gated.page) return gated.page;
    const roles = rolesOf(gated.viewer);
    // Unknown and not visible answer alike, as the API's GET does.
    const found = isRequestId(id) ? await deps.requests.get(id) : undefined;
    if (!found || !mayViewRequest(found, roles.oid, roles.approver)) return notFoundPage();
    const now = deps.now();
    const { verdict, evidence } = await readEvidence(deps, found);
    return requestPage({ request: found, now, roles, verdict, evidence, csrf: deps.tokens.issue(roles.oid, id, now) });
  };
}
