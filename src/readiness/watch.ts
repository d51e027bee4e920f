// The readiness timer (BREAKGLASS_READINESS_SCHEDULE): runs every check and compares each verdict
// with the one it stored last time. A check that turns red is alerted once (Teams and email, with
// its fix) and audited in the day's readiness stream; while it stays red nothing more is said; when
// it turns green again that is audited and announced once. With nothing stored yet (the first run)
// red checks alert and green ones are only recorded. Verdicts are written before anyone is told,
// with optimistic concurrency, so two runs at once alert a change once.
import type { AuditFields } from "../domain/audit.js";
import { auditNonces, readinessAuditEntry } from "../domain/auditChain.js";
import type { ReadinessCheck, ReadinessReport } from "../domain/readiness.js";
import { renderReadinessAlert, type CheckSubject, type ReadinessAlert } from "../domain/readinessAlerts.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { Directory } from "../ports/directory.js";
import type { Notifier } from "../ports/notifier.js";
import type { StateStore } from "../ports/stateStore.js";
import { alertRecipients } from "../access/recipients.js";
import type { ReadinessMonitor } from "./monitor.js";

/** What the timer remembers: each check's last verdict, keyed by where it looked and its name. */
export interface ReadinessVerdicts {
  readonly verdicts: Readonly<Record<string, boolean>>;
}

/** The key of the one document the verdicts are stored under. */
export const READINESS_DOCUMENT = "readiness";

export const NO_READINESS_VERDICTS: ReadinessVerdicts = { verdicts: {} };

export interface ReadinessWatchDependencies {
  readonly monitor: Pick<ReadinessMonitor, "refresh">;
  readonly store: StateStore<ReadinessVerdicts>;
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly directory: Directory;
  readonly approverGroupId: string;
  readonly alertEmails: readonly string[];
  readonly now: () => Date;
  readonly randomBytes: (size: number) => Uint8Array;
  readonly log: (message: string) => void;
}

/** What one run found and said. */
export interface ReadinessRun {
  readonly report: ReadinessReport;
  readonly changes: readonly ReadinessAlert[];
}

export interface ReadinessWatch {
  run(): Promise<ReadinessRun>;
}

interface Located {
  readonly key: string;
  readonly subject: CheckSubject;
  readonly check: ReadinessCheck;
}

function locatedChecks(report: ReadinessReport): Located[] {
  return [
    ...report.tenant.map((check) => ({ key: `tenant/${check.name}`, subject: { kind: "tenant" as const }, check })),
    ...report.clusters.flatMap((cluster) =>
      cluster.checks.map((check) => ({
        key: `${cluster.id.toLowerCase()}/${check.name}`,
        subject: { kind: "cluster" as const, id: cluster.id, name: cluster.name },
        check,
      })),
    ),
  ];
}

/** The changes since `stored`: red checks that were not red (or never seen), green ones that were red. */
export function readinessChanges(stored: ReadinessVerdicts, report: ReadinessReport): ReadinessAlert[] {
  return locatedChecks(report).flatMap(({ key, subject, check }): ReadinessAlert[] => {
    const before = stored.verdicts[key];
    if (check.unknown) return [];
    if (!check.ok && before !== false) return [{ kind: "check-failed", subject, check }];
    if (check.ok && before === false) return [{ kind: "check-cleared", subject, check }];
    return [];
  });
}

/** The verdicts to keep: each check's, but the last one where the check could not be asked now. */
function verdictsOf(report: ReadinessReport, stored: ReadinessVerdicts): ReadinessVerdicts {
  const kept = locatedChecks(report).flatMap(({ key, check }): [string, boolean][] => {
    if (!check.unknown) return [[key, check.ok]];
    const before = stored.verdicts[key];
    return before === undefined ? [] : [[key, before]];
  });
  return { verdicts: Object.fromEntries(kept) };
}

function auditFields(change: ReadinessAlert, at: string): AuditFields {
  const failed = change.kind === "check-failed";
  return {
    type: failed ? "readiness-failed" : "readiness-cleared",
    at,
    actor: null,
    cluster: change.subject.kind === "cluster" ? change.subject.id : "",
    outcome: failed ? "failure" : "success",
    ...(failed && change.check.code ? { code: change.check.code } : {}),
    ...(change.check.message ? { message: change.check.message } : {}),
    details: { check: change.check.name },
  };
}

export function createReadinessWatch(deps: ReadinessWatchDependencies): ReadinessWatch {
  const nonce = auditNonces(deps.randomBytes);

  const tell = async (change: ReadinessAlert) => {
    const at = deps.now();
    try {
      await deps.audit.append(readinessAuditEntry(nonce(), auditFields(change, at.toISOString())));
    } catch (error) {
      deps.log(`readiness could not audit ${change.check.name}: ${String(error)}`);
    }
    const emails = await alertRecipients(deps.directory, deps.approverGroupId, deps.alertEmails, deps.log);
    const deliveries = await deps.notifier.send({
      ...renderReadinessAlert(change, at),
      recipients: { emails, teams: true },
    });
    for (const delivery of deliveries.filter((candidate) => !candidate.ok))
      deps.log(`readiness alert not delivered (${delivery.channel}): ${delivery.error ?? ""}`);
  };

  return {
    async run() {
      const report = await deps.monitor.refresh();
      const changes = await deps.store.update(READINESS_DOCUMENT, (stored) => ({
        next: verdictsOf(report, stored),
        result: readinessChanges(stored, report),
      }));
      for (const change of changes) await tell(change);
      return { report, changes };
    },
  };
}
