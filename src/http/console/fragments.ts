// The pieces the console's pages are built of: a request as a card, and the forms that act on it.
// Every form carries the viewer's anti-CSRF token for that request and posts to
// /api/console/requests/{id}/{action}; which forms a request gets is the domain's (requestChoices).
import { formatIsoDuration } from "../../domain/duration.js";
import { durationInWords, isoDurationInWords, roughDurationInWords } from "../../domain/humanTime.js";
import type { ConsoleSection, RequestChoices } from "../../domain/console.js";
import { pendingDecision } from "../../domain/policy.js";
import type { EmergencyRequest, Person } from "../../domain/request.js";
import { escapeHtml } from "../../domain/userText.js";
import { html, statusText, timeHtml } from "../pages.js";
import { CONSOLE_PATH } from "./viewer.js";

/** What a request's forms need: what they may do, and the token they carry. */
export interface CardForms {
  readonly choices: RequestChoices;
  readonly csrf: string;
}

/** A titled section of a page, reachable by its id (and named by its heading for assistive technology). */
export function section(id: string, title: string, content: string): string {
  return `<section id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${html(title)}</h2>${content}</section>`;
}

const person = (who: Person): string => html(`${who.displayName} (${who.upn})`);

/** The time left until `iso`, true as served; the script keeps it counting. */
function timeLeftHtml(iso: string, now: Date): string {
  const left = Date.parse(iso) - now.getTime();
  return `<span data-ends="${escapeHtml(iso)}">${html(left > 0 ? `${roughDurationInWords(left)} left` : "ending now")}</span>`;
}

/** The facts of a request each section shows, as definition-list rows (HTML). */
function factsOf(section: ConsoleSection, request: EmergencyRequest, now: Date): [string, string][] {
  const approvals = (list: EmergencyRequest["approvals"]) =>
    `${list.length} of ${request.requiredApprovals}${list.length ? `: ${list.map((a) => person(a.approver)).join(", ")}` : ""}`;
  const pending = pendingDecision(request, now);
  const facts: [string, string][] = [
    ["Requester", person(request.requester)],
    ["Justification", html(request.justification)],
    ["Ticket", html(request.ticket)],
    ["Duration", html(isoDurationInWords(request.duration))],
  ];
  if (section === "waiting" && pending) {
    if (pending.subject === "extension" && request.extension)
      facts.push(["Extension asked", html(`${durationInWords(request.extension.durationMs)} more`)]);
    facts.push(["Approvals", approvals(pending.approvals)]);
    facts.push(["Decide within", `${timeLeftHtml(pending.deadline, now)} (by ${timeHtml(pending.deadline, now)})`]);
  }
  if (section === "open") {
    facts.push(["Approved by", approvals(request.approvals)]);
    if (request.window)
      facts.push([
        "Closes",
        `${timeHtml(request.window.closesAt, now)}: ${timeLeftHtml(request.window.closesAt, now)}`,
      ]);
    if (request.extension?.status === "pending")
      facts.push(["Extension", html(`${durationInWords(request.extension.durationMs)} more, awaiting approval`)]);
  }
  if (section === "recent") facts.push(["Requested", timeHtml(request.requestedAt, now)]);
  return facts;
}

/** One request as a card, with the forms the viewer may use on it; the section is part of its element id. */
export function requestCard(section: ConsoleSection, request: EmergencyRequest, now: Date, forms: CardForms): string {
  const facts = factsOf(section, request, now)
    .map(([name, value]) => `<dt>${html(name)}</dt><dd>${value}</dd>`)
    .join("");
  const status = html(statusText(request));
  return (
    `<article class="request" id="${section}-${escapeHtml(request.id)}" data-request-id="${escapeHtml(request.id)}">` +
    `<h3>${html(request.cluster.name)}: <span class="status">${status}</span></h3><dl>${facts}</dl>` +
    `${requestForms(request, forms, section)}` +
    `<p><a href="${CONSOLE_PATH}/requests/${escapeHtml(request.id)}">Audit trail and evidence of ${html(request.cluster.name)} (${escapeHtml(request.id)})</a></p>` +
    `</article>`
  );
}

const actionPath = (id: string, action: string) => `${CONSOLE_PATH}/requests/${escapeHtml(id)}/${action}`;

function form(id: string, action: string, csrf: string, body: string): string {
  return (
    `<form method="post" action="${actionPath(id, action)}">` +
    `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">${body}</form>`
  );
}

/** The forms of one request. Element ids carry the section, so that a request shown twice stays valid HTML. */
export function requestForms(request: EmergencyRequest, { choices, csrf }: CardForms, section = "page"): string {
  const { id } = request;
  const key = `${section}-${escapeHtml(id)}`;
  const forms: string[] = [];
  if (choices.decide) {
    forms.push(form(id, "approve", csrf, `<button class="approve">Approve</button>`));
    forms.push(
      form(
        id,
        "deny",
        csrf,
        `<label for="reason-${key}">Reason for denying (optional)</label>` +
          `<textarea id="reason-${key}" name="reason" maxlength="1000"></textarea><button class="deny">Deny</button>`,
      ),
    );
  }
  if (choices.extendBy.length) {
    const options = choices.extendBy
      .map((ms) => `<option value="${formatIsoDuration(ms)}">${html(durationInWords(ms))}</option>`)
      .join("");
    forms.push(
      form(
        id,
        "extend",
        csrf,
        `<label for="extend-${key}">Extend by</label><select id="extend-${key}" name="duration">${options}</select>` +
          `<button class="secondary">Ask to extend</button>`,
      ),
    );
  }
  if (choices.close) {
    const label = request.status === "pending-approval" ? "Withdraw request" : "Close window";
    forms.push(form(id, "close", csrf, `<button class="secondary">${label}</button>`));
  }
  return forms.length ? `<div class="actions">${forms.join("")}</div>` : "";
}
