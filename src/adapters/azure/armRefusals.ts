// How the ARM adapters and the simulated ARM report a refusal, the same way. Apart from
// armClusterControl.ts, which loads the ARM SDK, so that the simulation can use them without
// loading it (docs/design.md §13).
import type { ArmAction } from "../../domain/armActions.js";
import type { ManagedCluster } from "../../domain/clusters.js";
import type { OutcomeCode } from "../../domain/codes.js";
import { TransientError } from "../../ports/errors.js";

/** How a 401/403 of ARM is reported (the simulated ARM reports its own the same way). */
export function permissionRefusal(
  code: OutcomeCode,
  what: string,
  armMessage: string,
  needed: ArmAction,
): { kind: "rejected"; code: OutcomeCode; message: string } {
  return {
    kind: "rejected",
    code,
    message: `the app's identity may not ${what}: ${armMessage} (it needs ${needed.action} on the ${needed.scope}; grant it the role in the README)`,
  };
}

/** A read that ARM refuses (no permission) is no state to decide on: the caller retries or fails. */
export function readRefused(cluster: ManagedCluster, refusal: { code: OutcomeCode; message: string }): TransientError {
  return new TransientError(refusal.code, `ARM refused to read ${cluster.name}: ${refusal.message}`);
}
