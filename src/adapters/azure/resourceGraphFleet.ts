// FleetInventory on Azure Resource Graph: one KQL query over the managed clusters, paged with
// $skipToken, in place of one ARM read per cluster (docs/design.md §12).
import type { TokenCredential } from "@azure/core-auth";
import type { FleetInventory, FleetObservation, FleetQuery } from "../../ports/fleet.js";
import { TransientError } from "../../ports/errors.js";

export interface ResourceGraphSettings {
  /** The ARM endpoint (Resource Graph is served there). */
  readonly endpoint: string;
  readonly maxRetries?: number;
  readonly timeoutMs?: number;
}

export class ResourceGraphFleet implements FleetInventory {
  constructor(
    private readonly credential: TokenCredential,
    private readonly settings: ResourceGraphSettings,
  ) {}

  // SKELETON: replaced by the Resource Graph query (issue 18, helper A).
  observe(_query: FleetQuery): Promise<FleetObservation> {
    void this.credential;
    void this.settings;
    return Promise.reject(new TransientError("FLEET_UNAVAILABLE", "the Resource Graph inventory is not built yet"));
  }
}
