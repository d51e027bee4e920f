// FleetInventory on Azure Resource Graph: one KQL query over the managed clusters, paged with
// $skipToken, in place of one ARM read per cluster (docs/design.md §12.1). Resource Graph shows
// only what the app's identity may read, and lags ARM by seconds to minutes: what it says is an
// observation, never a reason to write on its own.
import { isRestError, ResourceGraphClient, type QueryResponse } from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/core-auth";
import { fleetQueryText } from "../../domain/fleetQuery.js";
import type { FleetInventory, FleetObservation, FleetQuery } from "../../ports/fleet.js";
import { TransientError } from "../../ports/errors.js";
import { retryAfterMs, scopeOf } from "./credentials.js";
import { observationsOf, type FleetRow } from "./resourceGraphRows.js";

export interface ResourceGraphSettings {
  /** The ARM endpoint (Resource Graph is served there). */
  readonly endpoint: string;
  /** Retries inside the SDK for 429/5xx (honouring Retry-After), before the caller's own. */
  readonly maxRetries?: number;
  /** How long one page of the answer may take. */
  readonly timeoutMs?: number;
}

/** A page of 1,000 rows comes in well under a second; half a minute is a service that is not answering. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** 1,000 pages of 1,000 rows: far past any fleet; a service that keeps paging past it is looping. */
const MAX_PAGES = 1_000;

export class ResourceGraphFleet implements FleetInventory {
  private readonly client: ResourceGraphClient;

  constructor(
    credential: TokenCredential,
    private readonly settings: ResourceGraphSettings,
  ) {
    this.client = new ResourceGraphClient(credential, {
      endpoint: settings.endpoint,
      credentials: { scopes: [scopeOf(settings.endpoint)] },
      ...(settings.maxRetries === undefined ? {} : { retryOptions: { maxRetries: settings.maxRetries } }),
    });
  }

  async observe(query: FleetQuery): Promise<FleetObservation> {
    const text = fleetQueryText(query);
    const rows: FleetRow[] = [];
    let skipToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let answer: QueryResponse;
      try {
        answer = await this.client.resources(
          {
            query: text,
            subscriptions: [...query.subscriptions],
            options: { resultFormat: "objectArray", ...(skipToken ? { skipToken } : {}) },
          },
          { requestOptions: { timeout: this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS } },
        );
      } catch (error) {
        return refusalOrThrow(error);
      }
      if (!Array.isArray(answer.data))
        throw new TransientError("FLEET_UNAVAILABLE", "Resource Graph answered the fleet query without rows");
      rows.push(...(answer.data as FleetRow[]));
      skipToken = answer.skipToken;
      if (!skipToken) {
        // Truncated without a $skipToken: rows would be missing for good; the query always projects id, so this is a rejected query.
        if (answer.resultTruncated === "true")
          return refused(
            "FLEET_QUERY_REJECTED",
            "Resource Graph truncated the fleet query's answer without a $skipToken",
          );
        return { kind: "observed", clusters: observationsOf(rows, query) };
      }
    }
    throw new TransientError("FLEET_UNAVAILABLE", `Resource Graph was still paging after ${MAX_PAGES} pages`);
  }
}

function refused(code: "FLEET_QUERY_REJECTED" | "FLEET_FORBIDDEN", message: string): FleetObservation {
  return { kind: "refused", code, message };
}

/**
 * Resource Graph's refusal as a typed answer (a query it will not run, no permission: a retry
 * meets the same), or, for what a later query may mend (429, 408, 5xx, a timeout, the network),
 * a thrown TransientError with the server's retry hint.
 */
function refusalOrThrow(error: unknown): FleetObservation {
  const status = isRestError(error) ? error.statusCode : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const hint = isRestError(error) ? retryAfterMs(error.response?.headers.get("retry-after")) : undefined;
  if (status === 401 || status === 403)
    return refused(
      "FLEET_FORBIDDEN",
      `the app's identity may not query Resource Graph (${status}): ${message} (it needs read on the clusters; see the README's permissions)`,
    );
  if (status === 429)
    throw new TransientError("FLEET_THROTTLED", `Resource Graph throttled the fleet query: ${message}`, hint, {
      cause: error,
    });
  if (status !== undefined && status >= 400 && status < 500 && status !== 408)
    return refused("FLEET_QUERY_REJECTED", `Resource Graph refused the fleet query (${status}): ${message}`);
  throw new TransientError(
    status === undefined ? "FLEET_UNAVAILABLE" : `FLEET_${status}`,
    `Resource Graph could not answer the fleet query: ${message}`,
    hint,
    { cause: error },
  );
}
