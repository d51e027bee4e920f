// Readiness: whether the break-glass path would open now (docs/design.md §10), every check of the
// tenant and of each managed cluster run in parallel. A failure anywhere becomes a failed check,
// never an error of the whole report. GET /api/readiness answers from a cache so that callers
// cannot spend the app's ARM and Graph quotas; the timer always asks afresh.
import type { ManagedCluster } from "../domain/clusters.js";
import { readinessReport, type ReadinessReport } from "../domain/readiness.js";
import { checkCluster, type ClusterCheckDependencies } from "./clusterChecks.js";
import { checkTenant, type TenantCheckDependencies } from "./tenantChecks.js";

export interface ReadinessDependencies extends ClusterCheckDependencies, TenantCheckDependencies {
  /** The managed clusters now (the fleet's: listed, and found by tag), asked at the start of each run. */
  readonly clusters: () => Promise<readonly ManagedCluster[]>;
  readonly now: () => Date;
}

/** How long GET /api/readiness answers from the last report. */
export const READINESS_CACHE_MS = 5 * 60_000;

export interface ReadinessMonitor {
  /** The last report if younger than READINESS_CACHE_MS, else a new one. */
  report(): Promise<ReadinessReport>;
  /** A new report, which the cache then keeps (the timer's view). */
  refresh(): Promise<ReadinessReport>;
}

/**
 * How many clusters are checked at once: a fleet of a thousand at once would be thousands of ARM
 * calls in one burst, throttling the reads and writes that windows need (docs/design.md §12.3).
 */
export const READINESS_CLUSTERS_AT_ONCE = 8;

async function runChecks(deps: ReadinessDependencies): Promise<ReadinessReport> {
  const managed = await deps.clusters();
  const [tenant, clusters] = await Promise.all([
    checkTenant(deps),
    inTurns(managed, READINESS_CLUSTERS_AT_ONCE, async (cluster) => ({
      id: cluster.id,
      name: cluster.name,
      checks: await checkCluster(deps, cluster),
    })),
  ]);
  return readinessReport(deps.now(), tenant, clusters);
}

/** `work` over `items`, at most `atOnce` at a time; the results in the items' order. */
async function inTurns<T, R>(items: readonly T[], atOnce: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!);
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  return results;
}

export function createReadinessMonitor(deps: ReadinessDependencies): ReadinessMonitor {
  let cached: { readonly at: number; readonly report: Promise<ReadinessReport> } | undefined;
  const refresh = () => {
    const report = runChecks(deps);
    cached = { at: deps.now().getTime(), report };
    return report;
  };
  return {
    report: () => (cached && deps.now().getTime() - cached.at < READINESS_CACHE_MS ? cached.report : refresh()),
    refresh,
  };
}
