// GET /api/audit and GET /api/audit/verify: the trail for approvers and auditors. One request's
// entries, every request on a cluster (or on all clusters) in a time range, or one daily stream
// (refusals, the watchdog, group watch), oldest first and paged; and the verdict on a request's
// trail or on a daily stream.
import type { HttpRequest } from "@azure/functions";
import { verifyDailyStream } from "../domain/auditChain.js";
import { verifyRequestTrail, type TrailSources } from "../audit/verification.js";
import { isDailyStream, type AuditEntry } from "../domain/audit.js";
import { clustersMeant, type ManagedCluster } from "../domain/clusters.js";
import { isRequestId } from "../domain/ids.js";
import { parseInstant } from "../domain/instants.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import { ApiError, jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

/** Entries of one request per page, at most. */
const MAX_ENTRIES = 500;
/** Requests per page of a cluster or time query, at most. */
const MAX_REQUESTS = 100;
const MAX_RANGE_MS = 366 * 24 * 60 * 60_000;
/** A daily stream's entry key: its time, then a nonce. */
const STREAM_CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z-[0-9a-f-]{1,40}$/;
const CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z\|bg-[0-9a-hjkmnp-tv-z]{26}$/;

export interface AuditHandlerDependencies extends TrailSources {
  readonly auditIndex: AuditIndex;
  readonly now: () => Date;
  /** The managed clusters now (the fleet's, cached), so that `cluster=` may name one. */
  readonly clusters: () => Promise<readonly ManagedCluster[]>;
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
  if (text === null)
    throw invalid(`${name}: required with cluster queries (an ISO-8601 date or time, e.g. 2026-11-01)`);
  const at = parseInstant(text);
  if (!at) throw invalid(`${name}: not an ISO-8601 date or time (or not a real one)`);
  return at;
}

/** An entry as the API shows it: its place in its request's chain, without storage keys. */
export function auditView({ stream, key: _key, ...entry }: AuditEntry, withRequest = false) {
  return { ...(withRequest ? { requestId: stream } : {}), ...entry };
}

type Question =
  | { readonly kind: "request"; readonly requestId: string }
  | { readonly kind: "stream"; readonly stream: string }
  | { readonly kind: "range" };

/** One request, one daily stream, or a range: exactly one of them. */
function askedFor(request: HttpRequest): Question {
  const requestId = request.query.get("requestId");
  const stream = request.query.get("stream");
  const range = ["cluster", "from", "to"].some((name) => request.query.get(name) !== null);
  if ([requestId !== null, stream !== null, range].filter(Boolean).length > 1) {
    throw invalid(
      "ask for one request (requestId), one daily stream (stream), or a cluster and time range, not several",
    );
  }
  if (requestId !== null) {
    if (!isRequestId(requestId)) throw invalid("requestId: not a request id");
    return { kind: "request", requestId };
  }
  if (stream !== null) {
    if (!isDailyStream(stream))
      throw invalid("stream: a daily stream, security-, watchdog-, groups- or readiness- and a UTC date (YYYY-MM-DD)");
    return { kind: "stream", stream };
  }
  if (!range) throw invalid("requestId, stream, or from and to (and optionally cluster): one is required");
  return { kind: "range" };
}

export function createAuditHandlers(deps: AuditHandlerDependencies) {
  return {
    readAudit: (async (request, context) => {
      await deps.approverOnly(request, context, "read-audit");
      const question = askedFor(request);
      if (question.kind === "request") return jsonResponse(200, await oneRequest(deps, request, question.requestId));
      if (question.kind === "stream") return jsonResponse(200, await oneStream(deps, request, question.stream));
      return jsonResponse(200, await range(deps, request));
    }) satisfies HttpHandler,

    verifyAudit: (async (request, context) => {
      await deps.approverOnly(request, context, "verify-audit");
      const question = askedFor(request);
      if (question.kind === "stream") {
        const entries = await deps.audit.readStream(question.stream);
        if (!entries.length) throw new ApiError(404, "STREAM_NOT_FOUND", `no entries in ${question.stream}`);
        return jsonResponse(200, verifyDailyStream(question.stream, entries));
      }
      if (question.kind !== "request") throw invalid("requestId or stream: one is required");
      const verdict = await verifyRequestTrail(deps, question.requestId, deps.now());
      if (!verdict) throw new ApiError(404, "REQUEST_NOT_FOUND", `no audit trail for ${question.requestId}`);
      return jsonResponse(200, verdict);
    }) satisfies HttpHandler,
  };
}

/** One request's entries, paged by sequence number. */
async function oneRequest(deps: AuditHandlerDependencies, request: HttpRequest, requestId: string) {
  const limit = integer(request, "limit", 1, MAX_ENTRIES, MAX_ENTRIES);
  const after = request.query.get("after") === null ? -1 : integer(request, "after", 0, Number.MAX_SAFE_INTEGER, 0);
  const entries = (await deps.audit.readStream(requestId)).filter((entry) => (entry.sequence ?? -1) > after);
  const page = entries.slice(0, limit);
  return {
    requestId,
    entries: page.map((entry) => auditView(entry)),
    next: entries.length > limit ? String(page.at(-1)!.sequence) : null,
  };
}

/** One daily stream's entries, paged by entry key. */
async function oneStream(deps: AuditHandlerDependencies, request: HttpRequest, stream: string) {
  const limit = integer(request, "limit", 1, MAX_ENTRIES, MAX_ENTRIES);
  const after = request.query.get("after");
  if (after !== null && !STREAM_CURSOR.test(after)) throw invalid("after: not a cursor this API returned");
  const entries = (await deps.audit.readStream(stream)).filter((entry) => after === null || entry.key > after);
  const page = entries.slice(0, limit);
  // Daily entries keep their key: it is hashed with them, and it is the cursor.
  return {
    stream,
    entries: page.map((entry) => ({ key: entry.key, ...auditView(entry) })),
    next: entries.length > limit ? page.at(-1)!.key : null,
  };
}

/** Every request on a cluster (or on all of them) in a time range, with all its entries, paged by request. */
async function range(deps: AuditHandlerDependencies, request: HttpRequest) {
  const clusterText = request.query.get("cluster");
  const cluster = clusterText === null ? undefined : clusterOf(await deps.clusters(), clusterText);
  const from = instant(request, "from");
  const to = instant(request, "to");
  if (to <= from) throw invalid("to: must be after from");
  if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw invalid("to: at most 366 days after from");
  const after = request.query.get("after") ?? undefined;
  if (after !== undefined && !CURSOR.test(after)) throw invalid("after: not a cursor this API returned");
  const limit = integer(request, "limit", 1, MAX_REQUESTS, 20);
  const found = await deps.auditIndex.find({
    ...(cluster ? { cluster: cluster.id } : {}),
    from,
    to,
    limit,
    ...(after ? { after } : {}),
  });
  const streams = await Promise.all(found.requests.map((indexed) => deps.audit.readStream(indexed.requestId)));
  return {
    cluster: cluster?.id ?? null,
    from: from.toISOString(),
    to: to.toISOString(),
    entries: streams.flatMap((entries) => entries.map((entry) => auditView(entry, true))),
    next: found.next ?? null,
  };
}

/** A managed cluster's name, or any AKS id: a cluster no longer managed keeps its trail (docs/design.md §12.3). */
function clusterOf(clusters: readonly ManagedCluster[], text: string): ManagedCluster {
  const [cluster, ...others] = clustersMeant(clusters, text);
  if (!cluster) throw invalid("cluster: not a managed cluster's name or an AKS resource id");
  if (others.length)
    throw invalid(`cluster: ${others.length + 1} managed clusters have that name; give the AKS resource id of one`);
  return cluster;
}
