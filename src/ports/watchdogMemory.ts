import type { ManagedCluster } from "../domain/clusters.js";

/** What a memory is kept of: a cluster, or the fleet as a whole (FLEET_SUBJECT). */
export type MemorySubject = Pick<ManagedCluster, "id">;

/** The subject of conditions of the whole fleet (the inventory cannot be asked); no ARM id looks like it. */
export const FLEET_SUBJECT: MemorySubject = { id: "fleet" };

/** Remembers, per cluster, which lasting condition was last alerted, so it is alerted once. */
export interface WatchdogMemory {
  lastCondition(subject: MemorySubject): Promise<string | undefined>;
  remember(subject: MemorySubject, condition: string | undefined): Promise<void>;
  /** Every remembered condition, by the subject's clusterKey, in one query (the watchdog's round). */
  conditions(): Promise<ReadonlyMap<string, string>>;
}
