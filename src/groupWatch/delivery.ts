// Telling people what group watch found: every alert is audited in the day's groups stream, then
// sent to BREAKGLASS_ALERT_EMAILS and the approvers by every channel, then dropped from its
// document's pending list. What cannot be audited or sent now stays pending for a later run.
import type { AuditFields } from "../domain/audit.js";
import { groupAuditEntry } from "../domain/auditChain.js";
import { groupAlertAuditFields, renderGroupAlert } from "../domain/groupAlerts.js";
import type { GroupAlert } from "../domain/groups.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { Directory } from "../ports/directory.js";
import { TransientError } from "../ports/errors.js";
import type { Notifier } from "../ports/notifier.js";
import type { StateStore } from "../ports/stateStore.js";
import { alertRecipients } from "../access/recipients.js";
import { errorMessage } from "./errors.js";
import { withoutPending, type GroupWatchState, type PendingAlert } from "./state.js";

/** Appends an entry to the groups stream under `id` (a fresh one unless given). */
export type GroupAudit = (fields: AuditFields, id?: string) => Promise<void>;

/** An entry that conflicts with a stored one is logged and left as stored: the trail is never overwritten. */
export function groupAudit(audit: AuditLog, newId: () => string, log: (message: string) => void): GroupAudit {
  return async (fields, id = newId()) => {
    const result = await audit.append(groupAuditEntry(id, fields));
    if (result.kind === "conflict") log(`group watch: audit entry ${id} conflicts with a stored one; not overwritten`);
  };
}

export interface DeliveryDependencies {
  /** When an alert is sent: the times it gives are told relative to it. */
  readonly now: () => Date;
  readonly approverGroupId: string;
  readonly alertEmails: readonly string[];
  readonly directory: Directory;
  readonly notifier: Notifier;
  readonly store: StateStore<GroupWatchState>;
  readonly log: (message: string) => void;
}

export class AlertDelivery {
  constructor(
    private readonly deps: DeliveryDependencies,
    private readonly audit: GroupAudit,
  ) {}

  /** Sends an alert; throws when every channel failed, so that it stays pending (one channel that worked is enough: someone heard). */
  async notify(alert: GroupAlert): Promise<void> {
    const { deps } = this;
    const emails = await alertRecipients(deps.directory, deps.approverGroupId, deps.alertEmails, deps.log);
    const deliveries = await deps.notifier.send({
      ...renderGroupAlert(alert, deps.now()),
      recipients: { emails, teams: true },
    });
    const failures = deliveries.filter((candidate) => !candidate.ok);
    for (const delivery of failures)
      deps.log(`group alert not delivered (${delivery.channel}): ${delivery.error ?? ""}`);
    if (deliveries.length && failures.length === deliveries.length)
      throw new TransientError("ALERT_UNDELIVERED", "no channel took the alert");
  }

  /**
   * Audits every alert, then sends each and drops it from the document's pending list. What cannot
   * be audited or sent now stays pending for a later run (after its claim lapses): the finding is
   * already safe. Auditing comes first and for all, so that channels that are down keep no finding
   * out of the trail (an alert's audit key is its own id: auditing it again is a duplicate).
   */
  async deliver(key: string, alerts: readonly PendingAlert[]): Promise<void> {
    const later = (error: unknown) =>
      this.deps.log(`group watch could not deliver an alert yet (a later run will): ${errorMessage(error)}`);
    const audited: PendingAlert[] = [];
    for (const pending of alerts) {
      await this.audit(groupAlertAuditFields(pending.alert, pending.at), pending.id).then(
        () => audited.push(pending),
        later,
      );
    }
    for (const pending of audited) {
      try {
        await this.notify(pending.alert);
        await this.deps.store.update(key, (state) => ({ next: withoutPending(state, pending.id), result: undefined }));
      } catch (error) {
        later(error);
      }
    }
  }
}
