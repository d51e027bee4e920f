// A fake Azure Resource Graph, served by FakeArm at `POST /providers/Microsoft.ResourceGraph/resources`
// from FakeArm's own clusters. It does not run KQL: like Resource Graph it answers only rows the
// app's identity may read (managedClusters/read in the cluster's grants), here every managed cluster
// of the requested subscriptions, and leaves the query's own filter to the adapter's client-side
// one. It pages as Resource Graph does: `pageSize` rows per answer, then a `$skipToken` that must
// come back with the same query and subscriptions — only when the query projects `id`; otherwise
// the answer is truncated without one.
//
// API (tests, the watchdog's ones included):
// - `arm.addCluster(id, { tags: { breakglass: "managed" } })`: a cluster the tag finds;
//   `arm.cluster(id).tags = {...}` tags or untags it later.
// - `arm.cluster(id).resourceGraph = { localAccountsEnabled: true }`: Resource Graph still shows the
//   switch as it was (stale) while ARM (GET) answers the truth; `{ hidden: true }`: Resource Graph
//   does not show the cluster at all yet (just created, or not indexed). `undefined`: in step with ARM.
// - `arm.resourceGraph.pageSize = 1000` (the default, as Resource Graph's); smaller to page sooner.
// - `arm.resourceGraph.queries`: every request body received, in order (`query`, `subscriptions`, `options`).
// - `arm.resourceGraph.fail(status, { times, retryAfterSeconds, after })`: after `after` queries (0 by
//   default; 1 fails the second page), the next `times` (1 by default) answer `status` with an ARM
//   error body (and Retry-After when given).
// - `arm.resourceGraph.strayRows`: rows added to every answer, as a query that returned too much would.
import { ARM_ACTIONS } from "../../../src/domain/armActions.js";
import { isPermitted } from "../../../src/domain/permissions.js";
import type { FakeCluster } from "./fakeArm.js";
import type { FakeRequest, FakeResponse } from "./https.js";

export const RESOURCE_GRAPH_PATH = /^\/providers\/Microsoft\.ResourceGraph\/resources$/i;

/** The body the adapter sends (the SDK's wire names). */
export interface ResourceGraphRequestBody {
  readonly query: string;
  readonly subscriptions?: readonly string[];
  readonly options?: { readonly $skipToken?: string; readonly $top?: number; readonly resultFormat?: string };
}

interface PlannedFailure {
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  after: number;
  times: number;
}

export class FakeResourceGraph {
  pageSize = 1000;
  readonly queries: ResourceGraphRequestBody[] = [];
  readonly strayRows: Record<string, unknown>[] = [];
  private readonly failures: PlannedFailure[] = [];

  constructor(private readonly clusters: () => Iterable<FakeCluster>) {}

  fail(
    status: number,
    { times = 1, retryAfterSeconds, after = 0 }: { times?: number; retryAfterSeconds?: number; after?: number } = {},
  ): void {
    this.failures.push({ status, retryAfterSeconds, after, times });
  }

  answer(request: FakeRequest): FakeResponse {
    const body = request.body as ResourceGraphRequestBody;
    this.queries.push(body);
    const failure = this.failures.find((planned) => planned.times > 0);
    if (failure && failure.after > 0) failure.after--;
    else if (failure) {
      failure.times--;
      return {
        status: failure.status,
        ...(failure.retryAfterSeconds === undefined
          ? {}
          : { headers: { "Retry-After": String(failure.retryAfterSeconds) } }),
        body: {
          error: { code: `Fake${failure.status}`, message: `the fake Resource Graph answers ${failure.status}` },
        },
      };
    }
    if (typeof body?.query !== "string" || body.options?.resultFormat !== "objectArray")
      return badRequest("the fake Resource Graph takes a query and answers resultFormat objectArray only");
    const offset = this.offsetOf(body);
    if (offset === undefined) return badRequest("the $skipToken does not belong to this query and these subscriptions");
    const rows = [...this.rowsFor(body.subscriptions ?? []), ...this.strayRows];
    const page = rows.slice(offset, offset + this.pageSize);
    const more = offset + page.length < rows.length;
    const pageable = /\|\s*project\s+id\b/.test(body.query);
    return {
      status: 200,
      body: {
        totalRecords: rows.length,
        count: page.length,
        resultTruncated: more && !pageable ? "true" : "false",
        ...(more && pageable ? { $skipToken: tokenOf(body, offset + page.length) } : {}),
        data: page,
        facets: [],
      },
    };
  }

  /** The row each readable, visible cluster of the subscriptions has, as the adapter's query projects it. */
  private rowsFor(subscriptions: readonly string[]): Record<string, unknown>[] {
    const wanted = new Set(subscriptions.map((id) => id.toLowerCase()));
    return [...this.clusters()]
      .filter((cluster) => wanted.has(cluster.id.split("/")[2]!.toLowerCase()))
      .filter((cluster) => !cluster.resourceGraph?.hidden)
      .filter((cluster) => isPermitted(ARM_ACTIONS.readCluster.action, cluster.appGrants))
      .sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()))
      .map((cluster) => ({
        id: cluster.id,
        name: cluster.id.split("/").pop(),
        subscriptionId: cluster.id.split("/")[2],
        tags: cluster.tags ?? {},
        disableLocalAccounts: !(cluster.resourceGraph?.localAccountsEnabled ?? cluster.localAccountsEnabled),
        aadManaged: cluster.entraIntegration,
        provisioningState: cluster.provisioningState,
        powerState: cluster.powerState,
      }));
  }

  private offsetOf(body: ResourceGraphRequestBody): number | undefined {
    const token = body.options?.$skipToken;
    if (token === undefined) return 0;
    const [offset, scope] = Buffer.from(token, "base64").toString("utf8").split("|");
    return scope === scopeOf(body) ? Number(offset) : undefined;
  }
}

function tokenOf(body: ResourceGraphRequestBody, offset: number): string {
  return Buffer.from(`${offset}|${scopeOf(body)}`, "utf8").toString("base64");
}

/** What a $skipToken is bound to: the same query over the same subscriptions. */
function scopeOf(body: ResourceGraphRequestBody): string {
  return Buffer.from(JSON.stringify([body.query, body.subscriptions ?? []]), "utf8").toString("base64");
}

function badRequest(message: string): FakeResponse {
  return { status: 400, body: { error: { code: "BadRequest", message } } };
}
