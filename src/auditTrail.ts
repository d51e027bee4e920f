// Verifying a request's audit trail against everything recorded about it: the entries' hashes and
// chain, the head written atomically with them (sealed with the app's key), and the head the index
// recorded when the request ended. Used by the API and the command line.
import { type ChainVerdict } from "./domain/audit.js";
import { verifyChain } from "./auditChain.js";
import type { AuditIndex } from "./ports/auditIndex.js";
import type { AuditLog } from "./ports/auditLog.js";

/** The verdict on a request's trail, or undefined when nothing at all is recorded for it. */
export async function verifyRequestTrail(audit: AuditLog, index: AuditIndex, requestId: string): Promise<ChainVerdict | undefined> {
  const [entries, head, indexed] = await Promise.all([audit.readStream(requestId), audit.readHead(requestId), index.get(requestId)]);
  if (!entries.length && !head && !indexed) return undefined;
  const broken = (brokenAt: number, reason: string): ChainVerdict => ({ ok: false, entries: entries.length, brokenAt, reason });
  const verdict = verifyChain(requestId, entries, head);
  if (!verdict.ok) return verdict;
  if (head && !head.sealed) return broken(head.entries - 1, "the head record is not sealed with the app's key: it was written by someone else");
  const closed = indexed?.closedHead;
  if (closed) {
    if (!closed.sealed) return broken(closed.entries - 1, "the head the index recorded at the end of the request is not sealed with the app's key");
    if (closed.entries !== entries.length || closed.hash !== head?.hash) {
      return broken(Math.min(closed.entries, entries.length), `the trail no longer ends where it ended when the request closed (${closed.entries} entries)`);
    }
  } else if (indexed === undefined && entries.length) {
    return broken(0, "the request is missing from the audit index");
  }
  return verdict;
}
