// What a message says, and how it looks on each channel: an Adaptive Card for the Teams Workflows
// webhook, an HTML email for Graph sendMail. Pure functions of the content, so that both show the same facts.
// Every text goes through its channel's neutraliser (userText.ts); links are ours and stay as they are.
import { escapeHtml, neutralise } from "./userText.js";

export type Severity = "info" | "warning" | "critical";

/** What a message says, whatever carries it (Teams card, email, the simulated outbox). */
export interface MessageContent {
  readonly kind: string;
  readonly severity: Severity;
  readonly subject: string;
  readonly text: string;
  readonly facts: readonly { readonly name: string; readonly value: string }[];
  readonly links: readonly { readonly label: string; readonly url: string }[];
}

/** What one kind of alert says: a row of an alert table. */
/** `now`: when the alert is sent, which the times it gives are told relative to. */
export interface AlertText<A> {
  readonly severity: Severity | ((alert: A) => Severity);
  readonly subject: (alert: A) => string;
  readonly text: (alert: A, now: Date) => string;
  /** The facts this kind adds to those every alert of its family shows. */
  readonly facts?: (alert: A, now: Date) => MessageContent["facts"];
}

/** What each kind of alert `A` says, one row per kind. */
export type AlertTable<A extends { readonly kind: string }> = {
  readonly [K in A["kind"]]: AlertText<Extract<A, { readonly kind: K }>>;
};

/** The message for `alert`, from its kind's row; `family` prefixes its kind (`watchdog-drift`). */
export function alertMessage<A extends { readonly kind: string }>(
  family: string,
  table: AlertTable<A>,
  alert: A,
  commonFacts: MessageContent["facts"],
  now: Date,
): MessageContent {
  // The row under `alert.kind` is written for alerts of that kind, which this one is.
  const row = table[alert.kind as A["kind"]] as AlertText<A>;
  return {
    kind: `${family}-${alert.kind}`,
    severity: typeof row.severity === "function" ? row.severity(alert) : row.severity,
    subject: `[break-glass] ${row.subject(alert)}`,
    text: row.text(alert, now),
    facts: [...commonFacts, ...(row.facts?.(alert, now) ?? [])],
    links: [],
  };
}

const SEVERITY_STYLE = { info: "default", warning: "warning", critical: "attention" } as const;

const card = (text: string): string => neutralise(text, "markdown");
const html = (text: string): string => neutralise(text, "html");

/** An Adaptive Card 1.4 (what Teams renders from a Workflows webhook). */
export function adaptiveCard(message: MessageContent): Record<string, unknown> {
  return {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      {
        type: "Container",
        style: SEVERITY_STYLE[message.severity],
        items: [{ type: "TextBlock", text: card(message.subject), weight: "Bolder", size: "Medium", wrap: true }],
      },
      { type: "TextBlock", text: card(message.text), wrap: true },
      { type: "FactSet", facts: message.facts.map((fact) => ({ title: card(fact.name), value: card(fact.value) })) },
    ],
    // A button's title is plain text, never Markdown.
    actions: message.links.map((link) => ({
      type: "Action.OpenUrl",
      title: neutralise(link.label, "text"),
      url: link.url,
    })),
  };
}

/** The message that carries a card to a Teams Workflows webhook (Office 365 connectors are retired). */
export function teamsWebhookMessage(message: MessageContent): Record<string, unknown> {
  return {
    type: "message",
    attachments: [
      { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: adaptiveCard(message) },
    ],
  };
}

/** An HTML email body; every piece of content is neutralised. */
export function emailHtml(message: MessageContent): string {
  const rows = message.facts
    .map(
      (fact) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${html(fact.name)}</th><td>${html(fact.value)}</td></tr>`,
    )
    .join("");
  const links = message.links
    .map((link) => `<li><a href="${escapeHtml(link.url)}">${html(link.label)}</a></li>`)
    .join("");
  const banner = message.severity === "critical" ? '<p style="color:#b00020;font-weight:bold">CRITICAL</p>' : "";
  return [
    '<!DOCTYPE html><html><body style="font-family:Segoe UI,Arial,sans-serif">',
    banner,
    `<h2>${html(message.subject)}</h2>`,
    `<p>${html(message.text)}</p>`,
    `<table>${rows}</table>`,
    links ? `<ul>${links}</ul>` : "",
    "</body></html>",
  ].join("");
}

/** The email's subject line: plain text. */
export function emailSubject(message: MessageContent): string {
  return neutralise(message.subject, "text");
}
