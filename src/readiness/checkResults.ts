// The verdicts every readiness check gives when it could not look: the app may not read the fact
// (it says which permission to grant), or the fact could not be read now (the dependency's code).
// Neither carries the dependency's own message, which can hold URLs and other principals' ids.
import type { ClusterCheckName, ReadinessCheck, TenantCheckName } from "../domain/readiness.js";
import { TransientError } from "../ports/errors.js";

type CheckName = ClusterCheckName | TenantCheckName;

/** The app lacks `permission`, so it cannot tell whether `where` would work. */
export function forbiddenCheck(name: CheckName, permission: string, where: string): ReadinessCheck {
  return {
    name,
    ok: false,
    code: "CHECK_FORBIDDEN",
    message: `the app may not check ${name} on ${where}: grant its identity ${permission}`,
  };
}

/** Reading the facts of `where` failed; the next run asks again. */
export function failedCheck(name: CheckName, where: string, error: unknown): ReadinessCheck {
  return {
    name,
    ok: false,
    code: error instanceof TransientError ? error.code : "FAILED",
    message: `the app could not check ${name} on ${where} now; it asks again at the next run`,
    ...(error instanceof TransientError ? { unknown: true as const } : {}),
  };
}

/** Runs one check, turning a thrown failure into its verdict (logged with its detail for operators). */
export async function guardedCheck(
  name: CheckName,
  where: string,
  log: (message: string) => void,
  check: () => Promise<ReadinessCheck>,
): Promise<ReadinessCheck> {
  try {
    return await check();
  } catch (error) {
    log(`readiness check ${name} on ${where} failed: ${error instanceof Error ? error.message : String(error)}`);
    return failedCheck(name, where, error);
  }
}
