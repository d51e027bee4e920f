import { type OutcomeCode } from "../domain/codes.js";
import { TransientError } from "../ports/errors.js";

/** The code an alert or audit entry carries for a failure: the port's own, or FAILED. */
export function errorCode(error: unknown): OutcomeCode {
  return error instanceof TransientError ? error.code : "FAILED";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
