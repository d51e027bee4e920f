// GET /api/console and GET /api/console/requests/{id}: what the signed-in viewer may see and do,
// read now. Reading never changes anything: these routes only read the stores, the fleet, ARM (for
// the few clusters whose switch matters) and the readiness monitor (whose checks only read).
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { approverRefusal, mayViewClusters, requesterRefusal } from "../../domain/access.js";
import { CONSOLE_NOTICES, consoleSections, isConsoleNotice, type ConsoleGroups } from "../../domain/console.js";
import { isRequestId } from "../../domain/ids.js";
import { mayViewRequest } from "../../domain/policy.js";
import { bannerHtml, type Banner } from "../pages.js";
import { clusterStates } from "../clusterOverview.js";
import { readEvidence } from "../evidence.js";
import type { HttpHandler } from "../handler.js";
import {
  consolePage,
  forbiddenPage,
  type AskForm,
  type AskValues,
  type ConsoleModel,
  type ReadinessView,
} from "./page.js";
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
export function groupsOf(viewer: Viewer): ConsoleGroups {
  const { roles } = viewer.member;
  return {
    oid: viewer.principal.oid,
    approver: approverRefusal(roles) === undefined,
    emergencyMember: requesterRefusal(roles) === undefined,
  };
}

/** The console as `viewer` may see it now. */
export async function consoleResponse(
  deps: ConsoleDependencies,
  viewer: Viewer,
  context: InvocationContext,
  extras: ConsoleExtras = {},
): Promise<HttpResponseInit> {
  const groups = groupsOf(viewer);
  if (!groups.approver && !groups.emergencyMember) return forbiddenPage(viewer);
  const now = deps.now();
  const requests = deps.requests.list({});
  const warn = (message: string) => context.warn(message);
  const [all, clusters, readiness, askable] = await Promise.all([
    requests,
    mayViewClusters(viewer.member.roles) ? clusterStates(deps, warn, requests) : undefined,
    groups.approver ? readinessOrUnknown(deps.readiness, warn) : undefined,
    groups.emergencyMember ? deps.fleet.list() : undefined,
  ]);
  const model: ConsoleModel = {
    viewer,
    groups,
    now,
    sections: consoleSections(all, groups, now),
    lockdownFailed: all.filter(
      (request) => request.status === "lockdown-failed" && mayViewRequest(request, groups.oid, groups.approver),
    ),
    csrf: (subject) => deps.tokens.issue(groups.oid, subject, now),
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

/**
 * How long the page waits for a readiness report the monitor has to make afresh (its cache is 5
 * minutes): its checks ask ARM and Graph about every cluster, and the console is for 3 a.m.
 */
export const READINESS_WAIT_MS = 2_000;

/**
 * The readiness report, if the monitor has or makes one within READINESS_WAIT_MS ("checking"
 * when not: the checks go on and fill the cache for the next page); "unknown" when it failed.
 */
export async function readinessOrUnknown(
  readiness: ConsoleDependencies["readiness"],
  warn: (message: string) => void,
): Promise<ReadinessView> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<"checking">((resolve) => {
    timer = setTimeout(() => resolve("checking"), READINESS_WAIT_MS);
  });
  try {
    // race() handles a rejection that comes after the wait, too.
    return await Promise.race([readiness.report(), waited]);
  } catch (error) {
    warn(`the console could not read the readiness report: ${String(error)}`);
    return "unknown";
  } finally {
    clearTimeout(timer);
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
    const groups = groupsOf(gated.viewer);
    // Unknown and not visible answer alike, as the API's GET does.
    const found = isRequestId(id) ? await deps.requests.get(id) : undefined;
    if (!found || !mayViewRequest(found, groups.oid, groups.approver)) return notFoundPage();
    const now = deps.now();
    const { verdict, evidence } = await readEvidence(deps, found);
    return requestPage({
      request: found,
      now,
      groups,
      verdict,
      evidence,
      csrf: deps.tokens.issue(groups.oid, id, now),
    });
  };
}
