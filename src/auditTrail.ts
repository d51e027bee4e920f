// Verifying a request's audit trail against everything recorded about it: the entries' hashes and
// chain, the head written atomically with them (sealed with the app's key), and the head the index
// recorded when the request ended. Used by the API and the command line.
import { verifyChain } from "./auditChain.js";
import type { AuditEntry, ChainVerdict } from "./domain/audit.js";
import type { AuditIndex, IndexedRequest } from "./ports/auditIndex.js";
import type { AuditLog, SealedHead } from "./ports/auditLog.js";

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
    if (sameHead(head, after) || attempt === SNAPSHOT_ATTEMPTS) return { entries, head: after };
    head = after;
  }
}

function sameHead(a: SealedHead | undefined, b: SealedHead | undefined): boolean {
  return a?.entries === b?.entries && a?.hash === b?.hash;
}

/** Everything recorded about one request's trail, read once, and the verdict on it. */
export interface RequestTrail {
  readonly entries: readonly AuditEntry[];
  readonly head: SealedHead | undefined;
  readonly indexed: IndexedRequest | undefined;
  /** Undefined when nothing at all is recorded for the request. */
  readonly verdict: ChainVerdict | undefined;
}

export async function readRequestTrail(audit: AuditLog, index: AuditIndex, requestId: string): Promise<RequestTrail> {
  const [{ entries, head }, indexed] = await Promise.all([snapshot(audit, requestId), index.get(requestId)]);
  return { entries, head, indexed, verdict: judge(requestId, entries, head, indexed) };
}

/** The verdict on a request's trail, or undefined when nothing at all is recorded for it. */
export async function verifyRequestTrail(audit: AuditLog, index: AuditIndex, requestId: string): Promise<ChainVerdict | undefined> {
  return (await readRequestTrail(audit, index, requestId)).verdict;
}

function judge(requestId: string, entries: readonly AuditEntry[], head: SealedHead | undefined, indexed: IndexedRequest | undefined): ChainVerdict | undefined {
  if (!entries.length && !head && !indexed) return undefined;
  const broken = (brokenAt: number, reason: string): ChainVerdict => ({ ok: false, entries: entries.length, brokenAt, reason });
  // A request is indexed only after its first entry was written: an indexed request without entries lost them.
  if (indexed && !entries.length) return broken(0, "the request is in the audit index, but its trail is empty: its entries were deleted");
  const verdict = verifyChain(requestId, entries, head);
  if (!verdict.ok) return verdict;
  if (head && !head.sealed) return broken(head.entries - 1, "the head record is not sealed with the app's key: it was written by someone else");
  const closed = indexed?.closedHead;
  if (closed) {
    if (!closed.sealed) return broken(closed.entries - 1, "the head the index recorded at the end of the request is not sealed with the app's key");
    if (closed.entries !== entries.length || closed.hash !== head?.hash) {
      return broken(Math.min(closed.entries, entries.length), `the trail no longer ends where it ended when the request closed (${closed.entries} entries)`);
    }
  } else if (indexed === undefined) {
    return broken(0, "the request is missing from the audit index");
  }
  return verdict;
}
