// The review page (docs/design.md §4: GET /api/requests/{id}/review?token=…) and its decision form.
// Opening the link never changes anything: a mail scanner that follows it sees at most a sign-in
// page. Deciding takes a signed-in approver, a valid link, and the page's anti-CSRF token; the
// two-person rule itself is the same code the API uses.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { approverRefusal } from "../domain/access.js";
import { isRequestId } from "../domain/ids.js";
import { hasApproved, pendingDecision, sameOid } from "../domain/policy.js";
import { lookUpMember, type GroupIds } from "../access/membership.js";
import { pageEndpoint, type HttpHandler } from "./handler.js";
import { readFormBody } from "./body.js";
import type { ApiDependencies } from "./apiAccess.js";
import type { Principal } from "./authentication.js";
import type { Delivered } from "../actions/delivery.js";
import type { Decision, DecisionResult } from "./decisions.js";
import { ApiError } from "./errors.js";
import type { PageAuthentication } from "./pageAuthentication.js";
import { messagePage, reviewPage } from "./pages.js";
import { statusBanner } from "./reviewBanners.js";
import type { ReviewTokens } from "./reviewTokens.js";

export interface ReviewDependencies extends Pick<
  ApiDependencies,
  "requests" | "directory" | "decisions" | "workflow" | "now"
> {
  readonly groups: GroupIds;
  readonly tokens: ReviewTokens;
  readonly pages: PageAuthentication;
}

const MAX_REASON = 1000;

export function createReviewHandlers(deps: ReviewDependencies) {
  return {
    reviewRequest: pageEndpoint(reviewPageHandler(deps)),
    submitReview: pageEndpoint(submitReviewHandler(deps)),
  };
}

export type ReviewHandlers = ReturnType<typeof createReviewHandlers>;

const reviewPath = (id: string) => `/api/requests/${id}/review`;

/** Either a page to answer with (bad link, signed out), or the signed-in person. */
type Gate =
  | { readonly page: HttpResponseInit; readonly principal?: undefined }
  | { readonly page?: undefined; readonly principal: Principal };

/** The link check and sign-in both pages start with; a page when either fails. */
async function gate(
  deps: ReviewDependencies,
  request: HttpRequest,
  link: { readonly id: string; readonly token: string },
  expiredStatus: number,
): Promise<Gate> {
  const { id, token } = link;
  if (!isRequestId(id)) return { page: notFound() };
  const checked = await deps.tokens.checkLink(token, id, deps.now());
  if (checked === "invalid") {
    return {
      page: messagePage(403, "This link is not valid", {
        tone: "warning",
        text: "It may have been altered, or it belongs to another request. Use the link from the notification.",
      }),
    };
  }
  if (checked === "expired") {
    return {
      page: messagePage(expiredStatus, "This request can no longer be decided", {
        tone: "info",
        text: "Its approval deadline has passed, and with it this link. Nothing was changed.",
      }),
    };
  }
  const principal = await deps.pages.signedIn(request);
  if (principal) return { principal };
  return {
    page: messagePage(
      401,
      "Sign in to review this request",
      { tone: "info", text: "Reviewing a break-glass request needs you to sign in: the link alone decides nothing." },
      { links: deps.pages.signInLinks(`${reviewPath(id)}?token=${token}`) },
    ),
  };
}

/** GET: the request as this person may see it, with the decision forms when they may decide it. */
function reviewPageHandler(deps: ReviewDependencies): HttpHandler {
  return async (request) => {
    const id = request.params.id ?? "";
    const token = request.query.get("token") ?? "";
    const gated = await gate(deps, request, { id, token }, 410);
    if (gated.page) return gated.page;
    const { principal } = gated;
    const member = await lookUpMember(deps.directory, deps.groups, principal.oid);
    const found = await deps.requests.get(id);
    if (!found) return notFound();
    const isRequester = sameOid(found.requester.oid, principal.oid);
    const refusal = approverRefusal(member.roles);
    if (!isRequester && refusal)
      return messagePage(403, "You cannot review this request", { tone: "warning", text: refusal.message });
    const now = deps.now();
    const pending = pendingDecision(found, now);
    const alreadyApproved = hasApproved(found, principal.oid, now);
    const decidable = !isRequester && !refusal && !alreadyApproved && pending !== undefined;
    return reviewPage(
      { request: found, now },
      statusBanner(found, now, { isRequester, alreadyApproved }),
      decidable ? { action: reviewPath(id), linkToken: token, csrf: deps.tokens.csrf(principal.oid, id) } : undefined,
    );
  };
}

/** POST: the decision form, checked for its link, its signer and its anti-CSRF token. */
function submitReviewHandler(deps: ReviewDependencies): HttpHandler {
  return async (request, context) => {
    const id = request.params.id ?? "";
    const form = await readFormBody(request);
    const gated = await gate(deps, request, { id, token: form.get("token") ?? "" }, 409);
    if (gated.page) return gated.page;
    const { principal } = gated;
    if (!deps.tokens.checkCsrf(form.get("csrf") ?? "", principal.oid, id)) {
      return messagePage(403, "This form cannot be accepted", {
        tone: "warning",
        text: "It was not sent by the review page for you and this request. Open the link again and decide there. Nothing was changed.",
      });
    }
    const decision = decisionOf(form);
    const result = await deps.decisions.decide(principal, id, decision, deps.workflow(context), (message) =>
      context.warn(message),
    );
    const now = deps.now();
    if (result.kind === "refused") return refusedPage(result, now);
    const current = (await deps.requests.get(id)) ?? result.request;
    const subject = result.request.status === "open" ? "extension" : "request";
    const viewer = { isRequester: false, alreadyApproved: decision.type === "approve" };
    return messagePage(200, decidedTitle(decision, subject, result.delivered), statusBanner(current, now, viewer), {
      view: { request: current, now },
    });
  };
}

function refusedPage({ error, request }: Extract<DecisionResult, { kind: "refused" }>, now: Date): HttpResponseInit {
  if (error.status === 404) return notFound();
  const title = error.status === 409 ? "This request can no longer be decided" : "You cannot decide this request";
  return messagePage(
    error.status,
    title,
    { tone: "warning", text: `${error.message}. Nothing was changed.` },
    request ? { view: { request, now } } : {},
  );
}

/** What the decider is told: what they did, or, while the workflow has yet to take it, that it is on its way. */
function decidedTitle(decision: Decision, subject: string, delivered: Delivered): string {
  if (delivered.fate.result === "pending")
    return `Your ${decision.type === "approve" ? "approval" : "denial"} of this ${subject} was sent and is being recorded`;
  return `You ${decision.type === "approve" ? "approved" : "denied"} this ${subject}`;
}

function decisionOf(form: URLSearchParams): Decision {
  const decision = form.get("decision");
  const reason = (form.get("reason") ?? "").trim();
  if (reason.length > MAX_REASON)
    throw new ApiError(400, "INVALID_REQUEST", `the reason must be at most ${MAX_REASON} characters`);
  if (decision === "approve") return { type: "approve" };
  if (decision === "deny") return reason ? { type: "deny", reason } : { type: "deny" };
  throw new ApiError(400, "INVALID_REQUEST", "the form must say approve or deny");
}

function notFound(): HttpResponseInit {
  return messagePage(404, "No such request", { tone: "info", text: "There is no request here that you can see." });
}
