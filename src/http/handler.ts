// Every HTTP handler answers through exactly one of these wrappers, the one place where a thrown
// failure becomes a response (classified once, in errors.ts): the API answers in JSON, pages with a
// page, never JSON and never a stack trace.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { errorResponse, failureOf } from "./errors.js";
import { messagePage } from "./pages.js";

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Wraps a handler so that what it throws is answered by `answer` instead. */
function boundary(answer: (error: unknown, context: InvocationContext) => HttpResponseInit) {
  return (handler: HttpHandler): HttpHandler =>
    async (request, context) => {
      try {
        return await handler(request, context);
      } catch (error) {
        return answer(error, context);
      }
    };
}

/** Wraps an API handler so that every failure goes through the one error mapping, in JSON. */
export const endpoint = boundary(errorResponse);

/** Like `endpoint`, for pages: every failure becomes a page. */
export const pageEndpoint = boundary(errorPage);

/** A failure as a page answers it. */
function errorPage(error: unknown, context: InvocationContext): HttpResponseInit {
  const failure = failureOf(error, context);
  switch (failure.kind) {
    case "refused":
      return messagePage(failure.error.status, "This request could not be handled", {
        tone: "warning",
        text: failure.error.message,
      });
    case "unavailable":
      return messagePage(503, "Please try again shortly", {
        tone: "warning",
        text: "A service this page depends on is unavailable. Nothing was changed.",
      });
    case "internal":
      return messagePage(500, "Something went wrong", {
        tone: "critical",
        text: `The operator can find the details in the logs under invocation ${failure.invocationId}.`,
      });
  }
}
