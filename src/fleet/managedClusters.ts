// The managed clusters as they are now: the listed ones, and those the inventory finds by
// BREAKGLASS_CLUSTER_TAG, which appear and disappear without a restart. The last inventory answer
// is kept for a short while, so that a request does not query Resource Graph each time; an id that
// is not known asks again (at most once per FLEET_MISS_REFRESH_MS), so that a cluster tagged a
// moment ago can be asked for at once (docs/design.md §12).
import { findManagedCluster, type ManagedCluster } from "../domain/clusters.js";
import { fleetSubscriptions, uniqueClusters } from "../domain/fleet.js";
import type { ClusterObservation, ClusterTag, FleetInventory, FleetQuery } from "../ports/fleet.js";
import { TransientError } from "../ports/errors.js";

/** How long an inventory answer serves lookups. */
export const FLEET_CACHE_MS = 60_000;
/** How often an unknown id may make the inventory be asked again. */
export const FLEET_MISS_REFRESH_MS = 10_000;

export interface FleetSettings {
  readonly listed: readonly ManagedCluster[];
  readonly tag: ClusterTag | undefined;
  readonly subscriptions: readonly string[];
}

/** One managed cluster, with what the inventory last saw of it (absent when it did not see it). */
export interface FleetMember {
  readonly cluster: ManagedCluster;
  readonly listed: boolean;
  readonly observation: ClusterObservation | undefined;
}

export interface FleetSurvey {
  readonly members: readonly FleetMember[];
  /** When the inventory could not be asked: what went wrong. Members are then the listed ones and the tagged ones last seen. */
  readonly unavailable?: { readonly code: string; readonly message: string; readonly retryAfterMs?: number };
}

export interface ManagedClusters {
  /** Every managed cluster, asking the inventory now (a caller while a query is under way shares its answer). */
  survey(): Promise<FleetSurvey>;
  /** Every managed cluster, from an inventory answer at most FLEET_CACHE_MS old. */
  list(): Promise<readonly ManagedCluster[]>;
  /**
   * The managed cluster with this id, in any casing; undefined when it is neither listed nor tagged.
   * Throws TransientError when the id is not listed and the inventory cannot be asked.
   */
  find(id: string): Promise<ManagedCluster | undefined>;
}

export function createManagedClusters(
  settings: FleetSettings,
  inventory: FleetInventory,
  now: () => Date,
): ManagedClusters {
  return new Fleet(settings, inventory, now);
}

class Fleet implements ManagedClusters {
  private readonly query: FleetQuery;
  private last: { readonly at: number; readonly survey: FleetSurvey } | undefined;
  /** The tagged clusters of the last answer that could be had, for when the inventory cannot be asked. */
  private lastTagged: readonly ManagedCluster[] = [];
  /** The query under way: callers meanwhile share it (Resource Graph throttles each principal at ~15 queries per 5 s). */
  private asking: Promise<FleetSurvey> | undefined;

  constructor(
    private readonly settings: FleetSettings,
    private readonly inventory: FleetInventory,
    private readonly now: () => Date,
  ) {
    this.query = {
      listed: settings.listed,
      tag: settings.tag,
      subscriptions: fleetSubscriptions(settings.listed, settings.subscriptions),
      tagSubscriptions: settings.subscriptions.map((id) => id.toLowerCase()),
    };
  }

  survey(): Promise<FleetSurvey> {
    this.asking ??= this.ask().finally(() => (this.asking = undefined));
    return this.asking;
  }

  private async ask(): Promise<FleetSurvey> {
    const at = this.now().getTime();
    let answer: FleetSurvey;
    try {
      const observed = await this.inventory.observe(this.query);
      if (observed.kind === "refused") {
        answer = this.surveyOf(this.lastTagged, [], { code: observed.code, message: observed.message });
      } else {
        const tagged = this.settings.tag ? observed.clusters.filter((seen) => seen.tagged) : [];
        this.lastTagged = tagged.map((seen) => seen.cluster);
        answer = this.surveyOf(this.lastTagged, observed.clusters);
      }
    } catch (error) {
      // Transient, or a fault of ours (an adapter that failed to load): either way the last answer
      // serves and the caller falls back, since the invariant must never depend on the inventory.
      const code = error instanceof TransientError ? error.code : "FLEET_UNAVAILABLE";
      const message = error instanceof Error ? error.message : String(error);
      const hint = error instanceof TransientError ? error.retryAfterMs : undefined;
      answer = this.surveyOf(this.lastTagged, [], {
        code,
        message,
        ...(hint === undefined ? {} : { retryAfterMs: hint }),
      });
    }
    this.last = { at, survey: answer };
    return answer;
  }

  async list(): Promise<readonly ManagedCluster[]> {
    return (await this.recent(FLEET_CACHE_MS)).members.map((member) => member.cluster);
  }

  async find(id: string): Promise<ManagedCluster | undefined> {
    const listed = findManagedCluster(this.settings.listed, id);
    if (listed || !this.settings.tag) return listed;
    const known = memberWithId(await this.recent(FLEET_CACHE_MS), id);
    if (known) return known;
    const fresh = await this.recent(FLEET_MISS_REFRESH_MS);
    if (fresh.unavailable) {
      throw new TransientError(
        "FLEET_UNAVAILABLE",
        `whether ${id} carries the break-glass tag could not be checked: ${fresh.unavailable.message}`,
        fresh.unavailable.retryAfterMs, // Resource Graph's own hint, so a client does not ask again sooner
      );
    }
    return memberWithId(fresh, id);
  }

  private surveyOf(
    tagged: readonly ManagedCluster[],
    observations: readonly ClusterObservation[],
    unavailable?: FleetSurvey["unavailable"],
  ): FleetSurvey {
    const byId = new Map(observations.map((seen) => [seen.cluster.id.toLowerCase(), seen]));
    const members = uniqueClusters(this.settings.listed, tagged).map((cluster) => ({
      cluster,
      listed: findManagedCluster(this.settings.listed, cluster.id) !== undefined,
      observation: byId.get(cluster.id.toLowerCase()),
    }));
    return unavailable ? { members, unavailable } : { members };
  }

  private async recent(maxAgeMs: number): Promise<FleetSurvey> {
    if (this.last && this.now().getTime() - this.last.at < maxAgeMs) return this.last.survey;
    return this.survey();
  }
}

function memberWithId(survey: FleetSurvey, id: string): ManagedCluster | undefined {
  return findManagedCluster(
    survey.members.map((member) => member.cluster),
    id,
  );
}
