// What the watchdog's round reads before it touches any cluster (docs/design.md §12.2): three
// queries whatever the fleet's size — the inventory, the window registry, the watchdog's memory —
// and from them a plan per cluster (domain/fleetRound.ts): no call, or one ARM read to confirm.
import { clusterKey, type ManagedCluster } from "../domain/clusters.js";
import { planCluster, type ClusterFacts, type ClusterPlan, type RoundSettings } from "../domain/fleetRound.js";
import { NO_WINDOWS } from "../domain/windows.js";
import type { FleetSurvey, ManagedClusters } from "../fleet/managedClusters.js";
import { FLEET_SUBJECT, type WatchdogMemory } from "../ports/watchdogMemory.js";
import type { RegisteredCluster, WindowRegistry } from "../ports/windowRegistry.js";

export interface RoundSources {
  readonly fleet: Pick<ManagedClusters, "survey">;
  readonly registry: Pick<WindowRegistry, "list">;
  readonly memory: Pick<WatchdogMemory, "conditions">;
  readonly log: (message: string) => void;
}

export interface PlannedCluster {
  readonly cluster: ManagedCluster;
  readonly plan: ClusterPlan;
}

export interface RoundPlan {
  /** The managed clusters in the inventory's order, then those known only from the registry. */
  readonly clusters: readonly PlannedCluster[];
  /** The inventory could not be asked: what went wrong. */
  readonly unavailable?: FleetSurvey["unavailable"];
  /** Whether the memory holds a condition of the fleet as a whole (to clear it once it ends). */
  readonly fleetRemembered: boolean;
}

/** A listing that failed is logged and unknown: the round then reads every cluster through ARM, as before the fleet. */
async function listing<T>(list: Promise<T>, what: string, log: (message: string) => void): Promise<T | undefined> {
  try {
    return await list;
  } catch (error) {
    log(`watchdog could not list ${what}; it reads every cluster this round: ${String(error)}`);
    return undefined;
  }
}

export async function planRound(sources: RoundSources, settings: RoundSettings, now: Date): Promise<RoundPlan> {
  // A document that does not parse may hold windows: its cluster is read (and fails there, saying so).
  const unreadable = new Map<string, RegisteredCluster>();
  const [survey, registered, remembered] = await Promise.all([
    sources.fleet.survey(),
    listing(
      sources.registry.list((cluster, reason) => {
        sources.log(`watchdog: the window registry of ${cluster.id} does not parse: ${reason}`);
        unreadable.set(clusterKey(cluster), { cluster, windows: NO_WINDOWS });
      }),
      "the window registry",
      sources.log,
    ),
    listing(sources.memory.conditions(), "the watchdog's memory", sources.log),
  ]);
  const unknown =
    survey.unavailable !== undefined || registered === undefined || remembered === undefined || unreadable.size > 0;
  const documents = new Map([
    ...unreadable,
    ...(registered ?? []).map((entry) => [clusterKey(entry.cluster), entry] as const),
  ]);
  const facts = (cluster: ManagedCluster, seen: ClusterFacts["seen"], managed: boolean): PlannedCluster => {
    const key = clusterKey(cluster);
    const windows = documents.get(key)?.windows ?? NO_WINDOWS;
    const plan = planCluster(
      { seen: unknown ? "unknown" : seen, windows, remembered: remembered?.get(key), managed },
      settings,
      now,
    );
    return { cluster, plan };
  };
  const members = survey.members.map((member) => facts(member.cluster, member.observation ?? "not-seen", true));
  const managed = new Set(survey.members.map((member) => clusterKey(member.cluster)));
  const orphans = [...documents.entries()]
    .filter(([key, entry]) => !managed.has(key) && (owesWork(entry) || unreadable.has(key)))
    .map(([, entry]) => facts(entry.cluster, "not-seen", false));
  return {
    clusters: [...members, ...orphans],
    ...(survey.unavailable ? { unavailable: survey.unavailable } : {}),
    fleetRemembered: remembered?.has(clusterKey(FLEET_SUBJECT)) ?? false,
  };
}

/** A cluster no longer managed is the round's business while windows remain, or local accounts the product enabled may not be locked yet. */
function owesWork({ windows }: RegisteredCluster): boolean {
  return windows.windows.length > 0 || windows.enabledSince !== undefined;
}
