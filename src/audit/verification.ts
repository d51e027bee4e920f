// Verifying a request's audit trail against everything recorded about it: the entries' hashes and
// chain, the head written atomically with them (sealed with the app's key), the head the index
// recorded when the request ended, the index's listings, and the request itself. Used by the API
// and the command line; the watchdog records the end of trails whose workflow is gone.
import { verifyChain } from "../domain/auditChain.js";
import type { AuditEntry, ChainVerdict } from "../domain/audit.js";
import { isTerminal } from "../domain/lifecycle.js";
import { START_FAILED, type EmergencyRequest } from "../domain/request.js";
import type { AuditIndex, IndexedRequest, IndexEntry } from "../ports/auditIndex.js";
import type { AuditLog, SealedHead } from "../ports/auditLog.js";
import type { RequestStore } from "../ports/requestStore.js";

/** Attempts at reading entries and head as of one moment, while the workflow may still be appending. */
const SNAPSHOT_ATTEMPTS = 3;

/**
 * The entries and the head as of one moment: each append moves both in one transaction, so a
 * head that did not change while the entries were read describes exactly those entries.
 */
async function snapshot(audit: AuditLog, requestId: string) {
  let head = await audit.readHead(requestId);
  for (let attempt = 1; ; attempt++) {
    const entries = await audit.readStream(requestId);
    const after = await audit.readHead(requestId);
    if (sameHead(head, after)) return { entries, head };
    // Still appending: entries read after a head include all it counts (appends only add), so the
    // trail as of that head is its first entries; the ones after it are left for the next look.
    if (attempt === SNAPSHOT_ATTEMPTS) return { entries: head ? entries.slice(0, head.entries) : [], head };
    head = after;
  }
}

function sameHead(a: SealedHead | undefined, b: SealedHead | undefined): boolean {
  return a?.entries === b?.entries && a?.hash === b?.hash;
}

/** Where a request's trail and what vouches for it are kept. */
export interface TrailSources {
  readonly audit: AuditLog;
  readonly auditIndex: Pick<AuditIndex, "get">;
  /** The requests themselves: one that exists, or that ended long ago, vouches that its trail must too. */
  readonly requests: Pick<RequestStore, "get">;
}

/**
 * How long after a request ended the index must hold where its trail ended: the workflow records
 * it last, retrying for over an hour through a storage outage.
 */
export const CLOSE_RECORD_GRACE_MS = 3 * 60 * 60_000;

/** Everything recorded about one request's trail, read once, and the verdict on it. */
export interface RequestTrail {
  readonly entries: readonly AuditEntry[];
  readonly head: SealedHead | undefined;
  readonly indexed: IndexEntry | undefined;
  /** Undefined when nothing at all is recorded for the request. */
  readonly verdict: ChainVerdict | undefined;
}

export async function readRequestTrail(sources: TrailSources, requestId: string, now: Date): Promise<RequestTrail> {
  const [{ entries, head }, indexed, request] = await Promise.all([
    snapshot(sources.audit, requestId),
    sources.auditIndex.get(requestId),
    sources.requests.get(requestId),
  ]);
  return { entries, head, indexed, verdict: judge({ requestId, entries, head, indexed, request, now }) };
}

/** The verdict on a request's trail, or undefined when nothing at all is recorded for it. */
export async function verifyRequestTrail(
  sources: TrailSources,
  requestId: string,
  now: Date,
): Promise<ChainVerdict | undefined> {
  return (await readRequestTrail(sources, requestId, now)).verdict;
}

interface Evidence {
  readonly requestId: string;
  readonly entries: readonly AuditEntry[];
  readonly head: SealedHead | undefined;
  readonly indexed: IndexEntry | undefined;
  readonly request: EmergencyRequest | undefined;
  readonly now: Date;
}

function judge({ requestId, entries, head, indexed, request, now }: Evidence): ChainVerdict | undefined {
  const broken = (brokenAt: number, reason: string): ChainVerdict => ({
    ok: false,
    entries: entries.length,
    brokenAt,
    reason,
  });
  if (!entries.length && !head && !indexed) {
    // No trail yet (its workflow has not written the first entry), or never (it could not start);
    // a request that got any further had one.
    if (!request || request.outcome?.code === START_FAILED) return undefined;
    if (request.status !== "pending-approval" || request.approvals.length)
      return broken(0, "the request exists, but its audit trail and its index entry are gone: they were deleted");
    if (now.getTime() - Date.parse(request.approvalDeadline) > CLOSE_RECORD_GRACE_MS) {
      return broken(
        0,
        "the request is still pending hours after its approval deadline and has no trail: its workflow never ran, or its trail was deleted",
      );
    }
    return undefined;
  }
  // Every audited request was stored before its first entry.
  if (!request)
    return broken(0, "the request itself is gone from the requests table, but its trail remains: it was deleted");
  // A request is indexed only after its first entry was written: an indexed request without entries lost them.
  if (indexed && !entries.length)
    return broken(0, "the request is in the audit index, but its trail is empty: its entries were deleted");
  const verdict = verifyChain(requestId, entries, head);
  if (!verdict.ok) {
    // Still broken, but say what an honest storage outage looks like while the request runs.
    const gap = (entries[verdict.brokenAt]?.sequence ?? -1) > verdict.brokenAt;
    if (gap && !isTerminal(request.status)) {
      return {
        ...verdict,
        reason: `${verdict.reason}; the request is still running, and an entry kept back by a storage outage is written when it ends: missing after that, it was deleted`,
      };
    }
    return verdict;
  }
  if (head && !head.sealed)
    return broken(head.entries - 1, "the head record is not sealed with the app's key: it was written by someone else");
  const closed = indexed?.closedHead;
  if (closed) {
    if (!closed.sealed)
      return broken(
        closed.entries - 1,
        "the head the index recorded at the end of the request is not sealed with the app's key",
      );
    if (closed.entries !== entries.length || closed.hash !== head?.hash) {
      return broken(
        Math.min(closed.entries, entries.length),
        `the trail no longer ends where it ended when the request closed (${closed.entries} entries)`,
      );
    }
  } else if (indexed === undefined) {
    return broken(0, "the request is missing from the audit index");
  } else if (isTerminal(request.status) && now.getTime() - Date.parse(request.updatedAt) > CLOSE_RECORD_GRACE_MS) {
    return broken(
      entries.length,
      `the request ended at ${request.updatedAt}, but where its trail ended is not in the audit index: it was removed (with entries after the last), or never recorded`,
    );
  }
  if (indexed && !indexed.findable)
    return broken(
      0,
      "the request's listing under its cluster or its month was removed from the audit index: queries by cluster or time no longer find it",
    );
  return verdict;
}

/** How a request is listed in the audit index: from the first entry of its trail, so every listing agrees. */
export function indexedRequestOf(first: AuditEntry): Omit<IndexedRequest, "closedHead"> {
  return { requestId: first.stream, cluster: first.cluster, requestedAt: first.at, requester: first.actor?.upn ?? "" };
}

/**
 * For a request whose workflow is gone (the watchdog closed it): lists it again and records where
 * its trail ends as it stands, as the workflow would have at its end. Only a trail that verifies
 * and whose head is sealed gets an end, and only once.
 */
export async function recordEndAsFound(
  audit: AuditLog,
  index: Pick<AuditIndex, "add" | "get" | "recordClosedHead">,
  requestId: string,
): Promise<"recorded" | "already-recorded" | "does-not-verify"> {
  const [{ entries, head }, indexed] = await Promise.all([snapshot(audit, requestId), index.get(requestId)]);
  if (indexed?.closedHead) return "already-recorded";
  if (!head?.sealed || !verifyChain(requestId, entries, head).ok) return "does-not-verify";
  await index.add(indexedRequestOf(entries[0]!));
  await index.recordClosedHead(requestId, { entries: head.entries, hash: head.hash });
  return "recorded";
}
