// How an injected fault answers (POST /api/dev/clusters/{name}/faults): as ARM would with that status.
import { upstreamCode } from "../../domain/codes.js";
import type { ClusterWriteResult } from "../../ports/clusterControl.js";
import type { TableClient } from "@azure/data-tables";
import { TransientError } from "../../ports/errors.js";
import { readEntity, tryStorageCall } from "../azure/tables.js";

export const FAULT_PARTITION = "fault";

export interface TakenFault {
  readonly status: number;
  readonly retryAfterMs?: number;
}

/** Consumes one injected fault of the row, if any is left. */
export async function takeFault(client: TableClient, rowKey: string): Promise<TakenFault | undefined> {
  for (;;) {
    const fault = await readEntity(client, FAULT_PARTITION, rowKey);
    if (!fault || Number(fault.remaining) <= 0) return undefined;
    const taken = await tryStorageCall("consume fault", () =>
      client.updateEntity({ partitionKey: FAULT_PARTITION, rowKey, remaining: Number(fault.remaining) - 1 }, "Merge", {
        etag: fault.etag,
      }),
    );
    const retryAfterSeconds = Number(fault.retryAfterSeconds ?? -1);
    if (taken.ok)
      return {
        status: Number(fault.status),
        ...(retryAfterSeconds >= 0 ? { retryAfterMs: retryAfterSeconds * 1000 } : {}),
      };
  }
}

export /** What ARM's answer with this status means for the caller: a typed refusal, or a thrown transient error. */
function faultResult({
  status,
  retryAfterMs,
}: {
  status: number;
  retryAfterMs?: number;
}): Extract<ClusterWriteResult, { kind: "not-found" | "rejected" }> {
  if (status === 404) return { kind: "not-found" };
  if (status === 400) {
    return {
      kind: "rejected",
      code: upstreamCode("BadRequest"),
      message: "simulated fault: ARM rejected the request (400 Bad Request)",
    };
  }
  throw new TransientError(`ARM_${status}`, `simulated fault: ARM answered ${status}`, retryAfterMs);
}
