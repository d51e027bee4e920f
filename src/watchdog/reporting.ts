// How the watchdog tells what it did and found: entries in the day's watchdog stream, and alerts to
// BREAKGLASS_ALERT_EMAILS, the approvers (and whoever else concerns a finding) on every channel.
import { kindCode } from "../domain/codes.js";
import type { AuditFields } from "../domain/audit.js";
import { auditNonces, watchdogAuditEntry } from "../domain/auditChain.js";
import type { ManagedCluster } from "../domain/clusters.js";
import { renderClusterAlert, renderFleetAlert, type ClusterAlert, type FleetAlert } from "../domain/clusterAlerts.js";
import type { MessageContent } from "../domain/messages.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { Directory } from "../ports/directory.js";
import type { Notifier } from "../ports/notifier.js";
import { FLEET_SUBJECT, type MemorySubject, type WatchdogMemory } from "../ports/watchdogMemory.js";
import { alertRecipients, unique } from "../access/recipients.js";

export interface ReportingDependencies {
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly directory: Directory;
  readonly approverGroupId: string;
  readonly alertEmails: readonly string[];
  readonly memory: WatchdogMemory;
  readonly now: () => Date;
  readonly randomBytes: (size: number) => Uint8Array;
  readonly log: (message: string) => void;
}

export class WatchdogReporting {
  private readonly nonce: () => string;

  constructor(private readonly deps: ReportingDependencies) {
    this.nonce = auditNonces(deps.randomBytes);
  }

  /** Appends to the watchdog stream; a failure is logged, never thrown: acting on the cluster matters more. */
  async audit(fields: Omit<AuditFields, "at" | "actor">): Promise<void> {
    const { deps } = this;
    try {
      await deps.audit.append(
        watchdogAuditEntry(this.nonce(), { ...fields, at: deps.now().toISOString(), actor: null }),
      );
    } catch (error) {
      deps.log(`watchdog could not audit ${fields.type}: ${String(error)}`);
    }
  }

  async alert(message: ClusterAlert, extraRecipients: readonly string[] = []): Promise<void> {
    await this.send(renderClusterAlert(message, this.deps.now()), extraRecipients);
  }

  private async send(content: MessageContent, extraRecipients: readonly string[] = []): Promise<void> {
    const { deps } = this;
    const emails = unique([
      ...(await alertRecipients(deps.directory, deps.approverGroupId, deps.alertEmails, deps.log)),
      ...extraRecipients,
    ]);
    const deliveries = await deps.notifier.send({ ...content, recipients: { emails, teams: true } });
    for (const delivery of deliveries.filter((candidate) => !candidate.ok))
      deps.log(`watchdog alert not delivered (${delivery.channel}): ${delivery.error ?? ""}`);
  }

  /** Alerts a lasting condition when it begins; clears the memory when it ends. */
  async condition(cluster: ManagedCluster, current: ClusterAlert | undefined): Promise<void> {
    await this.lasting(cluster, cluster.id, current && { kind: current.kind, send: () => this.alert(current) });
  }

  /** The same for the fleet as a whole: the inventory cannot be asked (docs/design.md §12.2). */
  async fleetCondition(current: FleetAlert | undefined): Promise<void> {
    await this.lasting(
      FLEET_SUBJECT,
      "",
      current && { kind: current.kind, send: () => this.send(renderFleetAlert(current, this.deps.now())) },
    );
  }

  private async lasting(
    subject: MemorySubject,
    cluster: string,
    current:
      { readonly kind: ClusterAlert["kind"] | FleetAlert["kind"]; readonly send: () => Promise<void> } | undefined,
  ): Promise<void> {
    const name = current?.kind;
    if ((await this.deps.memory.lastCondition(subject)) === name) return;
    await this.deps.memory.remember(subject, name);
    if (current) {
      await current.send();
      await this.audit({ type: "watchdog-alert", cluster, outcome: "failure", code: kindCode(current.kind) });
    }
  }
}
