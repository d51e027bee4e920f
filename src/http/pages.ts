// The pages (review, console), rendered on the server: plain HTML, one small stylesheet and one
// small script, readable on a phone and in the Teams in-app browser, and whole without the script.
// Every text is neutralised for HTML (escaped, invisible and bidi characters shown by name), every
// attribute escaped. Times are UTC and lengths in words, as of when the page is served; the script
// only adds each time in the viewer's own zone and counts down what is left. The headers forbid
// framing, referrers (the link carries a token), caching, and any script but that one (its nonce).
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
main.wide{max-width:960px}h2{font-size:1.1rem;margin:24px 0 8px;padding-top:12px;border-top:1px solid #e5e5e5}
.request{border:1px solid #d1d1d1;border-radius:6px;padding:12px;margin:8px 0}.request h3{font-size:1rem;margin:0 0 6px}
.request dl{display:grid;grid-template-columns:minmax(90px,30%) 1fr;gap:2px 8px;margin:0}.request dt{color:#555}.request dd{margin:0;overflow-wrap:anywhere}
.request .actions form{flex:1 1 180px}.empty{color:#555}.local{color:#555}
label{display:block;font-weight:600;margin-top:10px}select,input[type=text]{width:100%;box-sizing:border-box;font:inherit;padding:8px;margin:4px 0}
button.primary{background:#0f6cbd;color:#fff}button.secondary{background:#fff;color:#1b1b1b;border:2px solid #616161}
:focus-visible{outline:3px solid #0f6cbd;outline-offset:2px}
`;

/**
 * Adds each <time datetime>'s moment in the viewer's own zone, and keeps each [data-ends] saying
 * what is left; a page without it says the same in UTC, as of when it was served.
 */
const SCRIPT = `(()=>{const u=[["day",864e5],["hour",36e5],["minute",6e4]];
const words=(ms)=>{if(ms<6e4)return Math.max(0,Math.round(ms/1e3))+" seconds";let r=Math.round(ms/6e4)*6e4;const p=[];
for(const [n,v] of u){const c=Math.floor(r/v);r-=c*v;if(c&&p.length<2)p.push(c+" "+n+(c===1?"":"s"));}return p.join(" ");};
for(const t of document.querySelectorAll("time[datetime]")){const d=new Date(t.dateTime);if(isNaN(d))continue;
const s=document.createElement("span");s.className="local";s.textContent=" · "+d.toLocaleString([],{dateStyle:"medium",timeStyle:"short"})+" your time";t.after(s);}
const tick=()=>{for(const e of document.querySelectorAll("[data-ends]")){const ms=Date.parse(e.dataset.ends)-Date.now();e.textContent=ms>0?words(ms)+" left":"ending now";}};
tick();setInterval(tick,15e3);})();`;

/** A text as HTML: escaped, with invisible and bidi characters shown by name. */
export const html = (text: string): string => neutralise(text, "html");

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

export interface PageOptions {
  /** Runs the page's script (local times, countdowns): for pages that show times. */
  readonly script?: boolean;
  /** A wider card, for the console's lists. */
  readonly wide?: boolean;
}

/** An HTML response with the page headers. */
export function htmlPage(
  status: number,
  title: string,
  content: string,
  { script = false, wide = false }: PageOptions = {},
): HttpResponseInit {
  const nonce = randomBytes(16).toString("base64");
  const page =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${html(title)} · break-glass</title>` +
    `<style nonce="${nonce}">${STYLE}</style></head><body><main${wide ? ' class="wide"' : ""}>${content}</main>` +
    `${script ? `<script nonce="${nonce}">${SCRIPT}</script>` : ""}</body></html>`;
  const scripts = script ? ` script-src 'nonce-${nonce}';` : "";
  return {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": `default-src 'none'; style-src 'nonce-${nonce}';${scripts} form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
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
    { script: extra.view !== undefined },
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
    { script: true },
  );
}

/** A banner; `alert` for what must be acted on (assistive technology announces it at once). */
export function bannerHtml(banner: Banner, role: "status" | "alert" = "status"): string {
  return `<p class="banner ${banner.tone}" role="${role}">${html(banner.text)}</p>`;
}

/** An instant in UTC words as of `now`, marked up for the script to add the viewer's own time. */
export function timeHtml(iso: string, now: Date): string {
  return `<time datetime="${escapeHtml(iso)}">${html(instantInWords(iso, now))}</time>`;
}

/** Where a request stands, in words: its status, and why it ended or is stuck. */
export function statusText(request: Pick<EmergencyRequest, "status" | "outcome">): string {
  return request.status + (request.outcome ? ` — ${request.outcome.message}` : "");
}

/** A request's facts as a table; its times as <time> (timeHtml). */
export function detailsHtml({ request, now }: RequestView): string {
  const when = (iso: string): string => timeHtml(iso, now);
  const approvals = request.approvals.length
    ? request.approvals
        .map(
          (approval) =>
            `${html(`${approval.approver.displayName} (${approval.approver.upn})`)} at ${when(approval.at)}`,
        )
        .join("; ")
    : "none yet";
  const { extension, window } = request;
  // Each value is HTML: texts neutralised, times marked up.
  const rows: [string, string][] = [
    ["Requester", html(`${request.requester.displayName} (${request.requester.upn})`)],
    ["Cluster", html(`${request.cluster.name} — ${request.cluster.id}`)],
    ["Justification", html(request.justification)],
    ["Ticket", html(request.ticket)],
    ["Requested duration", html(isoDurationInWords(request.duration))],
    ["Requested at", when(request.requestedAt)],
    ["Approval deadline", when(request.approvalDeadline)],
    ["Approvals", `${request.approvals.length} of ${request.requiredApprovals}: ${approvals}`],
    ["Status", html(statusText(request))],
    ...(window ? ([["Window", `${when(window.openedAt)} → ${when(window.closesAt)}`]] as [string, string][]) : []),
    ...(extension
      ? ([
          [
            "Extension",
            `${html(durationInWords(extension.durationMs))}, until ${when(extension.closesAt)}: ${html(extension.status)}; ` +
              `${extension.approvals.length} of ${request.requiredApprovals} approval(s)`,
          ],
        ] as [string, string][])
      : []),
  ];
  return `<table>${rows.map(([name, value]) => `<tr><th scope="row">${html(name)}</th><td>${value}</td></tr>`).join("")}</table>`;
}
