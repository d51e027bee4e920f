// A notification as a message: the request's facts and links, which every event shows, around what
// its event says (notificationTexts.ts). Rendering is pure so that the Teams card, the email and the
// simulated outbox all carry the same facts, and tests can read them without a channel.
import type { AuditEntry } from "./audit.js";
import { describeEvidence } from "./evidence.js";
import { SHARED_SPAN_CAVEAT } from "./evidenceRecord.js";
import type { MessageContent } from "./messages.js";
import type { Audience, NotificationEvent, NotificationFacts } from "./notificationFacts.js";
import { NOTIFICATION_TEXTS, contextOf, type NotificationContext } from "./notificationTexts.js";

// The workflow names these types by this module, the one whose renderer it calls.
export type {
  Audience,
  NotificationEvent,
  NotificationFacts,
  NotifiedEvidence,
  NotifiedRequest,
} from "./notificationFacts.js";

export interface RenderedNotification extends MessageContent {
  readonly kind: NotificationEvent;
  readonly audience: Audience;
}

export interface NotificationLinks {
  readonly publicBaseUrl: string;
  /** The signed review link, for the approvers' message. */
  readonly reviewUrl?: string;
}

/** What every notification shows: the request, and how far it got. */
function requestFacts(context: NotificationContext): MessageContent["facts"] {
  const { facts, request, who, approvedBy, duration, closesAt, when } = context;
  const { window, extension, outcome } = facts;
  return [
    { name: "Request", value: request.id },
    { name: "Cluster", value: request.cluster.id },
    { name: "Requester", value: who },
    { name: "Justification", value: request.justification },
    { name: "Ticket", value: request.ticket },
    { name: "Duration", value: duration },
    { name: "Requested at", value: when(request.requestedAt) },
    { name: "Approval deadline", value: when(request.approvalDeadline) },
    {
      name: "Approvals",
      value: `${facts.approvals?.length ?? 0} of ${request.requiredApprovals}${approvedBy ? `: ${approvedBy}` : ""}`,
    },
    ...(window ? [{ name: "Window", value: `${when(window.openedAt)} → ${closesAt}` }] : []),
    ...(extension
      ? [
          {
            name: "Extension",
            value: `${context.extension.duration}, until ${context.extension.closesAt}: ${extension.status}`,
          },
        ]
      : []),
    ...(outcome ? [{ name: "Outcome", value: `${outcome.code}: ${outcome.message}` }] : []),
    ...(facts.evidence ? [{ name: "Evidence", value: evidenceLine(facts.evidence) }] : []),
  ];
}

function evidenceLine(evidence: NonNullable<NotificationFacts["evidence"]>): string {
  if (evidence.kind === "unavailable") return `unavailable: ${evidence.reason}`;
  const notes = [
    evidence.settled ? "" : "calls were still arriving in the log when collection stopped",
    evidence.shared ? SHARED_SPAN_CAVEAT : "",
    evidence.gap ?? "",
  ].filter(Boolean);
  return `${describeEvidence(evidence.summary)}${notes.length ? ` (${notes.join("; ")})` : ""}`;
}

export function renderNotification(
  facts: NotificationFacts,
  { publicBaseUrl, reviewUrl }: NotificationLinks,
): RenderedNotification {
  const context = contextOf(facts);
  const row = NOTIFICATION_TEXTS[facts.event];
  const status = { label: "Request status (API)", url: `${publicBaseUrl}/api/requests/${facts.request.id}` };
  const evidence = facts.evidence
    ? [{ label: "Evidence (API)", url: `${publicBaseUrl}/api/requests/${facts.request.id}/evidence` }]
    : [];
  return {
    kind: facts.event,
    facts: requestFacts(context),
    // The console beside the review link (docs/design.md §15): where an approver decides without the
    // link, and where anyone concerned follows the request afterwards.
    links:
      row.asksForDecision && reviewUrl
        ? [
            { label: "Review and decide", url: reviewUrl },
            { label: "Open the console", url: `${publicBaseUrl}/api/console` },
            status,
          ]
        : [
            { label: "Open in the console", url: `${publicBaseUrl}/api/console/requests/${facts.request.id}` },
            status,
            ...evidence,
          ],
    severity: row.severity,
    audience: row.audience,
    subject: `[break-glass] ${row.subject(context)}`,
    text: row.text(context),
  };
}

/** Two different entries under one audit key: a bug, or someone writing to the audit table. */
export function renderAuditConflict(attempted: AuditEntry, existing: AuditEntry): MessageContent {
  return {
    kind: "audit-conflict",
    severity: "critical",
    subject: `[break-glass] Audit integrity: entry ${attempted.key} of ${attempted.stream} differs from the stored one`,
    text:
      `Severity: CRITICAL. The app tried to write audit entry ${attempted.key} of ${attempted.stream} (${attempted.type}), but a different entry ` +
      `(${existing.type} at ${existing.at}) is stored under that key. The stored entry was kept. Check the trail with ` +
      `GET /api/audit/verify?requestId=${attempted.stream} or npm run audit -- verify --request ${attempted.stream}.`,
    facts: [
      { name: "Stream", value: attempted.stream },
      { name: "Key", value: attempted.key },
    ],
    links: [],
  };
}
