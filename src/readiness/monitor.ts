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

async function runChecks(deps: ReadinessDependencies): Promise<ReadinessReport> {
  const managed = await deps.clusters();
  const [tenant, clusters] = await Promise.all([
    checkTenant(deps),
    Promise.all(
      managed.map(async (cluster) => ({
        id: cluster.id,
        name: cluster.name,
        checks: await checkCluster(deps, cluster),
      })),
    ),
  ]);
  return readinessReport(deps.now(), tenant, clusters);
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
