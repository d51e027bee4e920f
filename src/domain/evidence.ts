// Evidence of what was done with local admin (docs/design.md §11): the API-server calls kube-audit
// recorded as `masterclient`, the user of every admin kubeconfig. Only metadata is kept (verb,
// resource, namespace, name, source IP, response status), never a request or response body, so a
// secret's value cannot reach the trail. Pure: the workflow, the watch and the API share it.

/** The user kube-audit names for a call made with `az aks get-credentials --admin`'s kubeconfig. */
export const KUBE_ADMIN_USER = "masterclient";

/** One API-server call made with an admin kubeconfig, as kube-audit recorded it. */
export interface AdminCall {
  /** kube-audit's AuditId: a call seen twice (in two tables, or by two queries) counts once. */
  readonly id: string;
  /** When the API server received it: UTC, ISO-8601. */
  readonly at: string;
  readonly verb: string;
  /** The resource type (`pods`, `secrets`), with its subresource (`pods/exec`) when there is one. */
  readonly resource: string;
  /** Empty for cluster-scoped resources. */
  readonly namespace: string;
  /** Empty for a list or a collection-wide call. */
  readonly name: string;
  readonly user: string;
  /** The first source IP kube-audit saw; empty when it saw none. */
  readonly sourceIp: string;
  /** The HTTP status the API server answered; 0 when kube-audit has none. */
  readonly status: number;
}

/** Calls kept in full in the audit entry and GET …/evidence; the rest are counted. */
export const EVIDENCE_ITEM_LIMIT = 50;
/** Longer than any Kubernetes name (253), so that only hostile text is cut. */
const FIELD_LIMIT = 256;

export interface CallCount {
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string;
  readonly count: number;
}

export interface EvidenceSummary {
  /** Distinct calls found. */
  readonly entries: number;
  /** Calls grouped by verb, resource and namespace, most frequent first. */
  readonly counts: readonly CallCount[];
  /** The first EVIDENCE_ITEM_LIMIT calls, oldest first. */
  readonly items: readonly AdminCall[];
  /** Calls found but not kept in `items`. */
  readonly omitted: number;
  /** The log answered at its row limit: there may be more calls than `entries`. */
  readonly truncated: boolean;
}

/** Deduplicates (by AuditId), orders and summarises the calls a query found. */
export function summarizeAdminCalls(
  calls: readonly AdminCall[],
  truncated = false,
  limit = EVIDENCE_ITEM_LIMIT,
): EvidenceSummary {
  const distinct = [...new Map(calls.map((call) => [call.id, clipped(call)])).values()].sort(
    (a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id),
  );
  const counts = new Map<string, CallCount>();
  for (const { verb, resource, namespace } of distinct) {
    const key = JSON.stringify([verb, resource, namespace]);
    const seen = counts.get(key);
    counts.set(key, { verb, resource, namespace, count: (seen?.count ?? 0) + 1 });
  }
  const items = distinct.slice(0, limit);
  return {
    entries: distinct.length,
    counts: [...counts.values()].sort(
      (a, b) =>
        b.count - a.count ||
        a.verb.localeCompare(b.verb) ||
        a.resource.localeCompare(b.resource) ||
        a.namespace.localeCompare(b.namespace),
    ),
    items,
    omitted: distinct.length - items.length,
    truncated,
  };
}

/** A value from the cluster's log cut to FIELD_LIMIT: it is the caller's text, of any length. */
export const clip = (text: string): string => (text.length > FIELD_LIMIT ? `${text.slice(0, FIELD_LIMIT - 1)}…` : text);

/** The call with each of its texts cut to FIELD_LIMIT. */
export function clipped(call: AdminCall): AdminCall {
  return {
    id: clip(call.id),
    at: call.at,
    verb: clip(call.verb),
    resource: clip(call.resource),
    namespace: clip(call.namespace),
    name: clip(call.name),
    user: clip(call.user),
    sourceIp: clip(call.sourceIp),
    status: Number.isInteger(call.status) ? call.status : 0,
  };
}

/** Groups named in a one-line description before it says "…". */
const DESCRIBED_GROUPS = 3;

/** "5 API calls as cluster-admin: 3 deletes of pods in kube-system, 1 get of secrets in kube-system, …". */
export function describeEvidence(summary: Pick<EvidenceSummary, "entries" | "counts" | "truncated">): string {
  const total = `${summary.truncated ? "at least " : ""}${summary.entries}`;
  if (summary.entries === 0) return summary.truncated ? "no API calls found so far" : "no API calls as cluster-admin";
  const groups = summary.counts.slice(0, DESCRIBED_GROUPS).map(describeCount);
  const more = summary.counts.length > DESCRIBED_GROUPS ? ", …" : "";
  return `${total} API call${summary.entries === 1 ? "" : "s"} as cluster-admin: ${groups.join(", ")}${more}`;
}

function describeCount({ verb, resource, namespace, count }: CallCount): string {
  const where = namespace ? ` in ${namespace}` : "";
  return `${count} ${verb}${count === 1 ? "" : "s"} of ${resource || "the API"}${where}`;
}

/** What GET /api/requests/{id}/evidence says of a request's evidence. */
export type EvidenceStatus = "collected" | "pending" | "unavailable";

/**
 * How the workflow waits for kube-audit rows, which reach Log Analytics minutes after the call: it
 * queries first `firstQueryAfterMs` after the lockdown, then every `queryEveryMs`, until two
 * queries in a row count the same calls or `settleWithinMs` after the lockdown has passed.
 */
export interface EvidencePlan {
  readonly firstQueryAfterMs: number;
  readonly queryEveryMs: number;
  readonly settleWithinMs: number;
}

/**
 * Azure Monitor ingests most rows 20 seconds to 3 minutes after the event; a first query at
 * 3 minutes and an equal count 2 minutes later is complete but for stragglers, and 20 minutes
 * bounds how long a closed window's workflow stays alive for them (docs/design.md §11).
 */
export const AZURE_EVIDENCE_PLAN: EvidencePlan = {
  firstQueryAfterMs: 3 * 60_000,
  queryEveryMs: 2 * 60_000,
  settleWithinMs: 20 * 60_000,
};

/** The simulated log's ingestion delay, in seconds as the simulation's world runs in them. */
export const SIMULATED_INGESTION_DELAY_MS = 2_000;

export const SIMULATION_EVIDENCE_PLAN: EvidencePlan = {
  firstQueryAfterMs: SIMULATED_INGESTION_DELAY_MS + 1_000,
  queryEveryMs: SIMULATED_INGESTION_DELAY_MS,
  settleWithinMs: 30_000,
};

export type EvidenceRound =
  | { readonly action: "query-again"; readonly afterMs: number }
  /** Two queries in a row found the same number of calls. */
  | { readonly action: "settled" }
  /** The count still changed when the bound came: keep what was found and say so. */
  | { readonly action: "bound-reached" };

/** After a query: `counts`, every query's count so far, oldest first; `elapsedMs` since the lockdown. */
export function decideEvidenceRound(plan: EvidencePlan, counts: readonly number[], elapsedMs: number): EvidenceRound {
  const [before, last] = counts.slice(-2);
  if (counts.length >= 2 && before === last) return { action: "settled" };
  if (elapsedMs + plan.queryEveryMs > plan.settleWithinMs) return { action: "bound-reached" };
  return { action: "query-again", afterMs: plan.queryEveryMs };
}
