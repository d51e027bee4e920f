// The review pages, rendered on the server: plain HTML and one small stylesheet, no JavaScript,
// readable on a phone and in the Teams in-app browser. Every text is neutralised for HTML (escaped,
// invisible and bidi characters shown by name), every attribute escaped. Times and lengths are in
// words, as of when the page is served. The headers forbid framing, referrers (the link carries a
// token), caching and any script.
import { randomBytes } from "node:crypto";
import type { HttpResponseInit } from "@azure/functions";
import { durationInWords, instantInWords, isoDurationInWords } from "../domain/humanTime.js";
import type { EmergencyRequest } from "../domain/request.js";
import { escapeHtml, neutralise } from "../domain/userText.js";

const STYLE = `
body{font-family:-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;padding:16px;color:#1b1b1b;background:#f6f7f9;line-height:1.45}
main{max-width:640px;margin:0 auto;background:#fff;border-radius:8px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.3rem;margin:0 0 12px}
.banner{padding:10px 12px;border-radius:6px;margin:12px 0;background:#eef3fb}
.banner.warning{background:#fff4ce}.banner.critical{background:#fde7e9;font-weight:600}.banner.ok{background:#dff6dd}
table{border-collapse:collapse;width:100%;table-layout:fixed}th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e5e5e5;overflow-wrap:anywhere}
th{width:34%;color:#555;font-weight:600}
.actions{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}.actions form{flex:1 1 240px}
button{width:100%;font-size:1.05rem;padding:12px;border-radius:6px;border:0;cursor:pointer}
button.approve{background:#107c10;color:#fff}button.deny{background:#fff;color:#a4262c;border:2px solid #a4262c}
textarea{width:100%;box-sizing:border-box;margin:6px 0;min-height:3em;font:inherit}
ul.links{padding-left:18px}a{color:#0f6cbd}
`;

const html = (text: string): string => neutralise(text, "html");

export type Tone = "info" | "warning" | "critical" | "ok";

export interface Banner {
  readonly tone: Tone;
  readonly text: string;
}

/** A request as a page shows it: as of the moment the page is served. */
export interface RequestView {
  readonly request: EmergencyRequest;
  readonly now: Date;
}

/** What the decision forms need to post back. */
export interface DecisionForm {
  readonly action: string;
  readonly linkToken: string;
  readonly csrf: string;
}

/** An HTML response with the page headers. */
export function htmlPage(status: number, title: string, content: string): HttpResponseInit {
  const nonce = randomBytes(16).toString("base64");
  const page =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${html(title)} · break-glass</title>` +
    `<style nonce="${nonce}">${STYLE}</style></head><body><main>${content}</main></body></html>`;
  return {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
    body: page,
  };
}

/** A page with a heading, a message, and optionally the request and links. */
export function messagePage(
  status: number,
  title: string,
  banner: Banner,
  extra: { view?: RequestView; links?: readonly { label: string; url: string }[] } = {},
): HttpResponseInit {
  const links = extra.links?.length
    ? `<ul class="links">${extra.links.map((link) => `<li><a href="${escapeHtml(link.url)}">${html(link.label)}</a></li>`).join("")}</ul>`
    : "";
  return htmlPage(
    status,
    title,
    `<h1>${html(title)}</h1>${bannerHtml(banner)}${links}${extra.view ? detailsHtml(extra.view) : ""}`,
  );
}

/** The review page itself: the request, its state, and the decision forms when the viewer may decide. */
export function reviewPage(view: RequestView, banner: Banner, form: DecisionForm | undefined): HttpResponseInit {
  const { request } = view;
  const hidden = form
    ? `<input type="hidden" name="token" value="${escapeHtml(form.linkToken)}"><input type="hidden" name="csrf" value="${escapeHtml(form.csrf)}">`
    : "";
  const actions = form
    ? `<div class="actions">` +
      `<form method="post" action="${escapeHtml(form.action)}">${hidden}<button class="approve" name="decision" value="approve">Approve</button></form>` +
      `<form method="post" action="${escapeHtml(form.action)}">${hidden}<label for="reason">Reason (optional)</label>` +
      `<textarea id="reason" name="reason" maxlength="1000"></textarea><button class="deny" name="decision" value="deny">Deny</button></form>` +
      `</div>`
    : "";
  return htmlPage(
    200,
    `Review: ${request.cluster.name}`,
    `<h1>Emergency access to ${html(request.cluster.name)}</h1>${bannerHtml(banner)}${detailsHtml(view)}${actions}`,
  );
}

function bannerHtml(banner: Banner): string {
  return `<p class="banner ${banner.tone}" role="status">${html(banner.text)}</p>`;
}

function detailsHtml({ request, now }: RequestView): string {
  const when = (iso: string): string => instantInWords(iso, now);
  const approvals = request.approvals.length
    ? request.approvals
        .map((approval) => `${approval.approver.displayName} (${approval.approver.upn}) at ${when(approval.at)}`)
        .join("; ")
    : "none yet";
  const rows: [string, string][] = [
    ["Requester", `${request.requester.displayName} (${request.requester.upn})`],
    ["Cluster", `${request.cluster.name} — ${request.cluster.id}`],
    ["Justification", request.justification],
    ["Ticket", request.ticket],
    ["Requested duration", isoDurationInWords(request.duration)],
    ["Requested at", when(request.requestedAt)],
    ["Approval deadline", when(request.approvalDeadline)],
    ["Approvals", `${request.approvals.length} of ${request.requiredApprovals}: ${approvals}`],
    ["Status", request.status + (request.outcome ? ` — ${request.outcome.message}` : "")],
    ...(request.window
      ? ([["Window", `${when(request.window.openedAt)} → ${when(request.window.closesAt)}`]] as [string, string][])
      : []),
    ...(request.extension
      ? ([
          [
            "Extension",
            `${durationInWords(request.extension.durationMs)}, until ${when(request.extension.closesAt)}: ${request.extension.status}; ` +
              `${request.extension.approvals.length} of ${request.requiredApprovals} approval(s)`,
          ],
        ] as [string, string][])
      : []),
  ];
  return `<table>${rows.map(([name, value]) => `<tr><th scope="row">${html(name)}</th><td>${html(value)}</td></tr>`).join("")}</table>`;
}
