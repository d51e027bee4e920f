// Recording an action that no workflow will take: its request's workflow no longer runs, so the
// entry is appended where the workflow left the trail (docs/design.md §8.8). Only done once the
// workflow has stopped, so the trail has one writer at a time; two finders of the same action
// (the API and the sweep) meet at the same sequence number and the second finds the first's entry.
import { actionIdOf, lateActionRefusal, type ActionReceipt } from "../domain/actions.js";
import { requestAuditEntry, securityAuditEntry, verifyChain } from "../domain/auditChain.js";
import type { AuditEntry, AuditHead } from "../domain/audit.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog, SealedHead } from "../ports/auditLog.js";
import { TransientError } from "../ports/errors.js";

export interface LateActionDependencies {
  readonly audit: AuditLog;
  readonly auditIndex: Pick<AuditIndex, "get" | "recordClosedHead">;
  readonly now: () => Date;
}

/** Rounds of losing the race for the next sequence number before giving up (a retry may fix it). */
const MAX_ROUNDS = 5;

/** Appends the ignored action to its request's trail (or finds it there already); returns its entry. */
export async function recordLateAction(
  deps: LateActionDependencies,
  receipt: ActionReceipt,
  request: EmergencyRequest | undefined,
): Promise<AuditEntry> {
  const refusal = request
    ? lateActionRefusal(receipt, request.status, request.outcome)
    : {
        code: "WORKFLOW_ENDED" as const,
        message: `this ${receipt.type} action reached a request that no longer exists`,
      };
  const fields = {
    type: "event-ignored" as const,
    at: deps.now().toISOString(),
    actor: { oid: receipt.actor.oid, upn: receipt.actor.upn },
    cluster: request?.cluster.id ?? "",
    outcome: "refused" as const,
    code: refusal.code,
    message: refusal.message,
    details: { actionId: receipt.id, action: receipt.type, requestId: receipt.requestId },
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const [entries, head, indexed] = await Promise.all([
      deps.audit.readStream(receipt.requestId),
      deps.audit.readHead(receipt.requestId),
      deps.auditIndex.get(receipt.requestId),
    ]);
    const found = entries.find((entry) => actionIdOf(entry) === receipt.id);
    if (found) {
      // Written by an earlier round that stopped before moving the closed head along.
      if (head?.sealed && head.hash === found.hash) await moveClosedHead(deps, receipt.requestId, head);
      return found;
    }
    if (!head || !vouchedFor(receipt.requestId, entries, head, indexed?.closedHead)) {
      // No trail the app can vouch for to chain to (none was written, or it is not what the app
      // wrote): sealing a new head over it would launder it. The security stream keeps the action,
      // under a key of its own, so that finding it again is a duplicate, not a second entry.
      const entry = securityAuditEntry(receipt.id, { ...fields, at: receipt.at });
      await deps.audit.append(entry);
      return entry;
    }
    const entry = requestAuditEntry(receipt.requestId, head.entries, head.hash, fields);
    const appended = await deps.audit.append(entry);
    if (appended.kind === "conflict") continue; // someone else took the number: look again
    await moveClosedHead(deps, receipt.requestId, { entries: head.entries + 1, hash: entry.hash });
    return entry;
  }
  throw new TransientError("AUDIT_HEAD_CONTENDED", `could not append to the trail of ${receipt.requestId}`);
}

/** A trail the app wrote, as it wrote it: its head sealed, its chain whole, its recorded end (if any) on it. */
function vouchedFor(
  requestId: string,
  entries: readonly AuditEntry[],
  head: SealedHead,
  closed: SealedHead | undefined,
): boolean {
  if (!head.sealed || !verifyChain(requestId, entries, head).ok) return false;
  return !closed || (closed.sealed && entries[closed.entries - 1]?.hash === closed.hash);
}

/**
 * A trail the workflow closed ends where its head was recorded; an entry the app adds after it
 * moves that record along (only ever forward, to a head the app sealed), or verification would
 * rightly read the new entry as inserted by someone else. A trail never closed (its workflow was
 * terminated) gets no record, as it had none. Two finders may write it in either order, so each
 * looks at the trail's head again after its write and moves the record on if it fell behind.
 */
async function moveClosedHead(deps: LateActionDependencies, requestId: string, head: AuditHead): Promise<void> {
  let target = head;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const closed = (await deps.auditIndex.get(requestId))?.closedHead;
    if (!closed || closed.entries >= target.entries) return;
    await deps.auditIndex.recordClosedHead(requestId, target);
    const latest = await deps.audit.readHead(requestId);
    if (!latest?.sealed || latest.entries <= target.entries) return;
    target = latest;
  }
}
