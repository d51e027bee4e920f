// The single mapping from failures to HTTP responses. Handlers throw ApiError for a client's
// mistake (4xx, with a stable code); TransientError becomes 503 with Retry-After; anything
// else is a bug: 500 with a generic message, details only in the log, never a stack trace.
import type { ErrorCode } from "../domain/codes.js";
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { TransientError } from "../ports/errors.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Headers on every API response: nothing here may be cached or sniffed as another type. */
export const API_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
};

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): HttpResponseInit {
  return {
    status,
    headers: { ...API_HEADERS, "Content-Type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(body),
  };
}

/** What a failure means for whoever called: a mistake of theirs, a dependency that is down, or a bug. */
export type Failure =
  | { readonly kind: "refused"; readonly error: ApiError }
  | { readonly kind: "unavailable"; readonly retryAfterSeconds: number }
  | { readonly kind: "internal"; readonly invocationId: string };

/** Classifies a failure, and logs what the operator needs (a bug's details go only to the log). */
export function failureOf(error: unknown, context: InvocationContext): Failure {
  if (error instanceof ApiError) return { kind: "refused", error };
  if (error instanceof TransientError) {
    context.warn(`dependency unavailable: ${error.code}: ${error.message}`);
    return { kind: "unavailable", retryAfterSeconds: Math.max(1, Math.ceil((error.retryAfterMs ?? 5_000) / 1_000)) };
  }
  context.error(`unhandled error in ${context.functionName} (${context.invocationId}):`, error);
  return { kind: "internal", invocationId: context.invocationId };
}

/** A failure as the JSON API answers it. */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  const failure = failureOf(error, context);
  switch (failure.kind) {
    case "refused": {
      const { status, code, message, headers } = failure.error;
      return jsonResponse(status, { error: { code, message } }, headers);
    }
    case "unavailable":
      return jsonResponse(
        503,
        { error: { code: "SERVICE_UNAVAILABLE", message: "a dependency is unavailable; try again shortly" } },
        { "Retry-After": String(failure.retryAfterSeconds) },
      );
    case "internal":
      return jsonResponse(500, {
        error: {
          code: "INTERNAL_ERROR",
          message: `internal error; the operator can find it in the logs under invocation ${failure.invocationId}`,
        },
      });
  }
}
