// GET /api/audit and GET /api/audit/verify: the trail for approvers and auditors. One request's
// entries, or every request on a cluster (or on all clusters) in a time range, oldest first and
// paged; and the verdict on one request's trail.
import type { HttpRequest } from "@azure/functions";
import { verifyRequestTrail, type TrailSources } from "../auditTrail.js";
import type { AuditEntry } from "../domain/audit.js";
import { clusterNamed, type ManagedCluster } from "../domain/clusters.js";
import { isRequestId } from "../domain/ids.js";
import { parseInstant } from "../domain/instants.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import { ApiError, jsonResponse } from "./errors.js";
import type { HttpHandler } from "./api.js";

/** Entries of one request per page, at most. */
const MAX_ENTRIES = 500;
/** Requests per page of a cluster or time query, at most. */
const MAX_REQUESTS = 100;
const MAX_RANGE_MS = 366 * 24 * 60 * 60_000;
const CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z\|bg-[0-9a-hjkmnp-tv-z]{26}$/;

export interface AuditHandlerDependencies extends TrailSources {
  readonly auditIndex: AuditIndex;
  readonly now: () => Date;
  readonly clusters: readonly ManagedCluster[];
  /** Lets only approvers through (and audits anyone else's attempt); throws otherwise. */
  readonly approverOnly: (request: HttpRequest, context: Parameters<HttpHandler>[1], action: string) => Promise<void>;
}

function invalid(message: string): ApiError {
  return new ApiError(400, "INVALID_REQUEST", message);
}

function integer(request: HttpRequest, name: string, min: number, max: number, fallback: number): number {
  const text = request.query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw invalid(`${name}: a whole number from ${min} to ${max}`);
  return value;
}

function instant(request: HttpRequest, name: string): Date {
  const text = request.query.get(name);
  if (text === null) throw invalid(`${name}: required with cluster queries (an ISO-8601 date or time, e.g. 2026-11-01)`);
  const at = parseInstant(text);
  if (!at) throw invalid(`${name}: not an ISO-8601 date or time (or not a real one)`);
  return at;
}

/** An entry as the API shows it: its place in its request's chain, without storage keys. */
export function auditView({ stream, key: _key, ...entry }: AuditEntry, withRequest = false) {
  return { ...(withRequest ? { requestId: stream } : {}), ...entry };
}

export function createAuditHandlers(deps: AuditHandlerDependencies) {
  const clusterOf = (text: string): ManagedCluster => {
    const cluster = clusterNamed(deps.clusters, text);
    if (!cluster) throw invalid("cluster: not a managed cluster's name or an AKS resource id");
    return cluster;
  };

  const oneRequest = async (request: HttpRequest, requestId: string) => {
    const limit = integer(request, "limit", 1, MAX_ENTRIES, MAX_ENTRIES);
    const after = request.query.get("after") === null ? -1 : integer(request, "after", 0, Number.MAX_SAFE_INTEGER, 0);
    const entries = (await deps.audit.readStream(requestId)).filter((entry) => (entry.sequence ?? -1) > after);
    const page = entries.slice(0, limit);
    return { requestId, entries: page.map((entry) => auditView(entry)), next: entries.length > limit ? String(page.at(-1)!.sequence) : null };
  };

  const range = async (request: HttpRequest) => {
    const clusterText = request.query.get("cluster");
    const cluster = clusterText === null ? undefined : clusterOf(clusterText);
    const from = instant(request, "from");
    const to = instant(request, "to");
    if (to <= from) throw invalid("to: must be after from");
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw invalid("to: at most 366 days after from");
    const after = request.query.get("after") ?? undefined;
    if (after !== undefined && !CURSOR.test(after)) throw invalid("after: not a cursor this API returned");
    const limit = integer(request, "limit", 1, MAX_REQUESTS, 20);
    const found = await deps.auditIndex.find({ ...(cluster ? { cluster: cluster.id } : {}), from, to, limit, ...(after ? { after } : {}) });
    const streams = await Promise.all(found.requests.map((indexed) => deps.audit.readStream(indexed.requestId)));
    return {
      cluster: cluster?.id ?? null,
      from: from.toISOString(),
      to: to.toISOString(),
      entries: streams.flatMap((entries) => entries.map((entry) => auditView(entry, true))),
      next: found.next ?? null,
    };
  };

  return {
    readAudit: (async (request, context) => {
      await deps.approverOnly(request, context, "read-audit");
      const requestId = request.query.get("requestId");
      if (requestId !== null) {
        if (!isRequestId(requestId)) throw invalid("requestId: not a request id");
        if (["cluster", "from", "to"].some((name) => request.query.get(name) !== null)) throw invalid("requestId: ask for one request, or for a cluster and time range, not both");
        return jsonResponse(200, await oneRequest(request, requestId));
      }
      if (request.query.get("from") === null && request.query.get("cluster") === null) throw invalid("requestId, or from and to (and optionally cluster), are required");
      return jsonResponse(200, await range(request));
    }) satisfies HttpHandler,

    verifyAudit: (async (request, context) => {
      await deps.approverOnly(request, context, "verify-audit");
      const requestId = request.query.get("requestId") ?? "";
      if (!isRequestId(requestId)) throw invalid("requestId: a request id is required");
      const verdict = await verifyRequestTrail(deps, requestId, deps.now());
      if (!verdict) throw new ApiError(404, "REQUEST_NOT_FOUND", `no audit trail for ${requestId}`);
      return jsonResponse(200, verdict);
    }) satisfies HttpHandler,
  };
}
