// How a message looks on each channel: an Adaptive Card for the Teams Workflows webhook, an
// HTML email for Graph sendMail. Pure functions of the content, so that both show the same facts.
import type { MessageContent } from "./notifications.js";

const SEVERITY_STYLE = { info: "default", warning: "warning", critical: "attention" } as const;

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
        items: [{ type: "TextBlock", text: message.subject, weight: "Bolder", size: "Medium", wrap: true }],
      },
      { type: "TextBlock", text: message.text, wrap: true },
      { type: "FactSet", facts: message.facts.map((fact) => ({ title: fact.name, value: fact.value })) },
    ],
    actions: message.links.map((link) => ({ type: "Action.OpenUrl", title: link.label, url: link.url })),
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

/** An HTML email body; every piece of content is escaped. */
export function emailHtml(message: MessageContent): string {
  const rows = message.facts
    .map(
      (fact) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(fact.name)}</th><td>${escapeHtml(fact.value)}</td></tr>`,
    )
    .join("");
  const links = message.links
    .map((link) => `<li><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></li>`)
    .join("");
  const banner = message.severity === "critical" ? '<p style="color:#b00020;font-weight:bold">CRITICAL</p>' : "";
  return [
    '<!DOCTYPE html><html><body style="font-family:Segoe UI,Arial,sans-serif">',
    banner,
    `<h2>${escapeHtml(message.subject)}</h2>`,
    `<p>${escapeHtml(message.text).replace(/\n/g, "<br>")}</p>`,
    `<table>${rows}</table>`,
    links ? `<ul>${links}</ul>` : "",
    "</body></html>",
  ].join("");
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!,
  );
}
