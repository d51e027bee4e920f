// The review page (DESIGN §4: GET /api/requests/{id}/review?token=…) and its decision form.
// Opening the link never changes anything: a mail scanner that follows it sees at most a sign-in
// page. Deciding takes a signed-in approver, a valid link, and the page's anti-CSRF token; the
// two-person rule itself is the same code the API uses.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { approverRefusal } from "../domain/access.js";
import { isRequestId } from "../domain/ids.js";
import { pendingDecision, sameOid } from "../domain/policy.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { Directory } from "../ports/directory.js";
import { TransientError } from "../ports/errors.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { lookUpMember, type GroupIds } from "../access/membership.js";
import type { HttpHandler } from "./api.js";
import { readFormBody } from "./body.js";
import type { Principal } from "./authentication.js";
import type { Decision, Decisions } from "./decisions.js";
import { ApiError } from "./errors.js";
import type { PageAuthentication } from "./pageAuthentication.js";
import { messagePage, reviewPage, utc, type Banner } from "./pages.js";
import type { ReviewTokens } from "./reviewTokens.js";

export interface ReviewDependencies {
  readonly requests: RequestStore;
  readonly directory: Directory;
  readonly groups: GroupIds;
  readonly decisions: Decisions;
  readonly tokens: ReviewTokens;
  readonly pages: PageAuthentication;
  readonly workflow: (context: InvocationContext) => WorkflowClient;
  readonly now: () => Date;
}

const MAX_REASON = 1000;

export function createReviewHandlers(deps: ReviewDependencies) {
  const reviewPath = (id: string) => `/api/requests/${id}/review`;

  /** The link check and sign-in both pages start with; a response when either fails. */
  const gate = async (request: HttpRequest, id: string, token: string, expiredStatus: number): Promise<Gate> => {
    if (!isRequestId(id)) return { page: notFound() };
    const link = await deps.tokens.checkLink(token, id, deps.now());
    if (link === "invalid") {
      return {
        page: messagePage(403, "This link is not valid", {
          tone: "warning",
          text: "It may have been altered, or it belongs to another request. Use the link from the notification.",
        }),
      };
    }
    if (link === "expired") {
      return {
        page: messagePage(expiredStatus, "This request can no longer be decided", {
          tone: "info",
          text: "Its approval deadline has passed, and with it this link. Nothing was changed.",
        }),
      };
    }
    const principal = await deps.pages.signedIn(request);
    if (!principal) {
      return {
        page: messagePage(
          401,
          "Sign in to review this request",
          {
            tone: "info",
            text: "Reviewing a break-glass request needs you to sign in: the link alone decides nothing.",
          },
          { links: deps.pages.signInLinks(`${reviewPath(id)}?token=${token}`) },
        ),
      };
    }
    return { principal };
  };

  return {
    reviewRequest: pageEndpoint(async (request) => {
      const id = request.params.id ?? "";
      const token = request.query.get("token") ?? "";
      const gated = await gate(request, id, token, 410);
      if (gated.page) return gated.page;
      const { principal } = gated;
      const member = await lookUpMember(deps.directory, deps.groups, principal.oid);
      const found = await deps.requests.get(id);
      if (!found) return notFound();
      const isRequester = sameOid(found.requester.oid, principal.oid);
      const refusal = approverRefusal(member.roles);
      if (!isRequester && refusal)
        return messagePage(403, "You cannot review this request", { tone: "warning", text: refusal.message });
      const pending = pendingDecision(found, deps.now());
      const alreadyApproved = (pending?.approvals ?? found.approvals).some((approval) =>
        sameOid(approval.approver.oid, principal.oid),
      );
      const decidable = !isRequester && !refusal && !alreadyApproved && pending !== undefined;
      return reviewPage(
        found,
        describe(found, deps.now(), { isRequester, alreadyApproved }),
        decidable ? { action: reviewPath(id), linkToken: token, csrf: deps.tokens.csrf(principal.oid, id) } : undefined,
      );
    }),

    submitReview: pageEndpoint(async (request, context) => {
      const id = request.params.id ?? "";
      const form = await readFormBody(request);
      const gated = await gate(request, id, form.get("token") ?? "", 409);
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
      if (result.kind === "refused") {
        const { error } = result;
        if (error.status === 404) return notFound();
        const title = error.status === 409 ? "This request can no longer be decided" : "You cannot decide this request";
        return messagePage(
          error.status,
          title,
          { tone: "warning", text: `${error.message}. Nothing was changed.` },
          result.request ? { request: result.request } : {},
        );
      }
      const now = (await deps.requests.get(id)) ?? result.request;
      const verb = decision.type === "approve" ? "approved" : "denied";
      const subject = result.request.status === "open" ? "extension" : "request";
      return messagePage(
        200,
        `You ${verb} this ${subject}`,
        describe(now, deps.now(), { isRequester: false, alreadyApproved: decision.type === "approve" }),
        {
          request: now,
        },
      );
    }),
  };
}

export type ReviewHandlers = ReturnType<typeof createReviewHandlers>;

/** Either a page to answer with (bad link, signed out), or the signed-in person. */
type Gate =
  | { readonly page: HttpResponseInit; readonly principal?: undefined }
  | { readonly page?: undefined; readonly principal: Principal };

function decisionOf(form: URLSearchParams): Decision {
  const decision = form.get("decision");
  const reason = (form.get("reason") ?? "").trim();
  if (reason.length > MAX_REASON)
    throw new ApiError(400, "INVALID_REQUEST", `the reason must be at most ${MAX_REASON} characters`);
  if (decision === "approve") return { type: "approve" };
  if (decision === "deny") return reason ? { type: "deny", reason } : { type: "deny" };
  throw new ApiError(400, "INVALID_REQUEST", "the form must say approve or deny");
}

/** One sentence on where the request stands, for this viewer. */
function describe(
  request: EmergencyRequest,
  now: Date,
  viewer: { isRequester: boolean; alreadyApproved: boolean },
): Banner {
  const missing = request.requiredApprovals - request.approvals.length;
  switch (request.status) {
    case "pending-approval":
      if (!pendingDecision(request, now))
        return { tone: "info", text: "The approval deadline has passed; this request can no longer be decided." };
      if (viewer.isRequester)
        return {
          tone: "info",
          text: "This is your request: a second person must approve it. You cannot decide it yourself.",
        };
      if (viewer.alreadyApproved)
        return {
          tone: "ok",
          text: `You approved this request. Waiting for ${missing} more approval(s) before the window opens.`,
        };
      return {
        tone: "warning",
        text:
          `Approving enables local admin accounts on ${request.cluster.name} for ${request.duration}. ` +
          `${request.approvals.length} of ${request.requiredApprovals} approval(s) so far; decide before ${utc(request.approvalDeadline)}.`,
      };
    case "opening":
      return { tone: "warning", text: "Approved. Local accounts are being enabled." };
    case "open": {
      const extension = request.extension;
      if (extension?.status === "pending" && pendingDecision(request, now)) {
        if (viewer.isRequester)
          return {
            tone: "info",
            text: `You asked to extend the window by ${extension.duration}; a second person must approve it.`,
          };
        if (viewer.alreadyApproved)
          return { tone: "ok", text: "You approved the extension. Waiting for more approvals." };
        return {
          tone: "warning",
          text:
            `Extension requested: approving keeps local admin accounts on ${request.cluster.name} enabled until ${utc(extension.closesAt)} ` +
            `(now until ${utc(request.window!.closesAt)}); decide before ${utc(extension.approvalDeadline)}.`,
        };
      }
      return { tone: "warning", text: `Approved. Local accounts are enabled until ${utc(request.window!.closesAt)}.` };
    }
    case "closing":
      return { tone: "info", text: "The window is closing: local accounts are being disabled." };
    case "closed":
      return { tone: "ok", text: `Closed: ${request.outcome?.message ?? "local accounts are disabled again"}.` };
    case "denied":
      return {
        tone: "info",
        text: `Denied: ${request.outcome?.message ?? "a reviewer denied it"}. Nothing was changed.`,
      };
    case "expired":
      return { tone: "info", text: "Expired: nobody decided before the deadline. Nothing was changed." };
    case "failed":
      return { tone: "warning", text: `Failed: ${request.outcome?.message ?? "the window could not be opened"}.` };
    case "lockdown-failed":
      return {
        tone: "critical",
        text: `Local accounts could not be disabled: ${request.outcome?.message ?? "unknown error"}. Disable them by hand now.`,
      };
  }
}

function notFound(): HttpResponseInit {
  return messagePage(404, "No such request", { tone: "info", text: "There is no request here that you can see." });
}

/** Like `endpoint`, for pages: every failure becomes a page, never JSON and never a stack trace. */
function pageEndpoint(handler: HttpHandler): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (error instanceof ApiError)
        return messagePage(error.status, "This request could not be handled", { tone: "warning", text: error.message });
      if (error instanceof TransientError) {
        context.warn(`dependency unavailable: ${error.code}: ${error.message}`);
        return messagePage(503, "Please try again shortly", {
          tone: "warning",
          text: "A service this page depends on is unavailable. Nothing was changed.",
        });
      }
      context.error(`unhandled error in ${context.functionName} (${context.invocationId}):`, error);
      return messagePage(500, "Something went wrong", {
        tone: "critical",
        text: `The operator can find the details in the logs under invocation ${context.invocationId}.`,
      });
    }
  };
}
