// What the readiness timer tells people when a check changes: that it turned red (what is wrong and
// the exact fix), or that it is green again. One row per kind, like the watchdog's alerts.
import { alertMessage, type AlertTable, type MessageContent } from "./messages.js";
import type { ReadinessCheck } from "./readiness.js";

/** Where a check looked: one managed cluster, or the tenant. */
export type CheckSubject =
  { readonly kind: "cluster"; readonly id: string; readonly name: string } | { readonly kind: "tenant" };

export type ReadinessAlert =
  | { readonly kind: "check-failed"; readonly subject: CheckSubject; readonly check: ReadinessCheck }
  | { readonly kind: "check-cleared"; readonly subject: CheckSubject; readonly check: ReadinessCheck };

function where(subject: CheckSubject): string {
  return subject.kind === "cluster" ? subject.name : "the tenant";
}

const READINESS_ALERTS: AlertTable<ReadinessAlert> = {
  "check-failed": {
    severity: "critical",
    subject: ({ subject, check }) => `Break-glass would fail on ${where(subject)}: ${check.name}`,
    text: ({ subject, check }) =>
      `The readiness check ${check.name} on ${where(subject)} failed (${check.code ?? "FAILED"}): ${check.message ?? ""}. ` +
      (check.fix ? `Fix:\n  ${check.fix.split("\n").join("\n  ")}` : "It is checked again at the next run."),
  },
  "check-cleared": {
    severity: "info",
    subject: ({ subject, check }) => `Readiness check ${check.name} on ${where(subject)} passes again`,
    text: ({ subject, check }) =>
      `The readiness check ${check.name} on ${where(subject)} passes again${check.message ? ` (${check.message})` : ""}.`,
  },
};

/** The alert as sent at `now`. */
export function renderReadinessAlert(alert: ReadinessAlert, now: Date): MessageContent {
  const facts = [
    { name: "Check", value: alert.check.name },
    {
      name: alert.subject.kind === "cluster" ? "Cluster" : "Scope",
      value: alert.subject.kind === "cluster" ? alert.subject.id : "tenant",
    },
    ...(alert.kind === "check-failed" && alert.check.code ? [{ name: "Code", value: alert.check.code }] : []),
  ];
  return alertMessage("readiness", READINESS_ALERTS, alert, facts, now);
}
