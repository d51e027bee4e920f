// What the console (GET /api/console, docs/design.md §15) is made of, decided without I/O: the
// actions its forms post, the notices a redirect after a post may name (a closed set, so a link
// cannot put words on the page), how long a form stays valid, which requests each section shows
// and which forms each request gets. Time is a parameter.
import { HOUR_MS, MINUTE_MS } from "./duration.js";
import { acceptsClose, holdsWindow } from "./lifecycle.js";
import { hasApproved, mayViewRequest, pendingDecision, sameOid, type WindowPolicy } from "./policy.js";
import type { EmergencyRequest, WindowTimes } from "./request.js";

/** What a form on the console may do to one request: POST /api/console/requests/{id}/{action}. */
export const CONSOLE_ACTIONS = ["approve", "deny", "close", "extend"] as const;
export type ConsoleAction = (typeof CONSOLE_ACTIONS)[number];

export function isConsoleAction(text: string): text is ConsoleAction {
  return (CONSOLE_ACTIONS as readonly string[]).includes(text);
}

/**
 * How long a console form's anti-CSRF token is accepted after the page was served: a page left
 * open over a night shift still works, a token lifted from an old page does not.
 */
export const CONSOLE_FORM_TTL_MS = 8 * HOUR_MS;

/** The subject of the "Ask for a window" form's anti-CSRF token (a request id is never this). */
export const NEW_REQUEST_SUBJECT = "new-request";

/** The notices GET /api/console?notice=… shows after a form was accepted (Post/Redirect/Get). */
export const CONSOLE_NOTICES = {
  asked: "Your request was sent to the approvers. A second person must approve it before the window opens.",
  approved: "You approved the request.",
  denied: "You denied the request. Nothing was changed on the cluster.",
  closing: "The window is closing: local accounts are being disabled.",
  withdrawn: "You withdrew the request. Nothing was changed on the cluster.",
  "extension-asked": "Your extension was sent to the approvers. The window keeps its end time until it is approved.",
} as const;
export type ConsoleNotice = keyof typeof CONSOLE_NOTICES;

export function isConsoleNotice(text: string): text is ConsoleNotice {
  return Object.hasOwn(CONSOLE_NOTICES, text);
}

/** How many requests "Recent" shows, newest first. */
export const RECENT_LIMIT = 20;

/** Who is looking, as the sections need them: their oid, and which groups the directory puts them in now. */
export interface ConsoleGroups {
  readonly oid: string;
  readonly approver: boolean;
  /** In the emergency group now: may ask for windows and extend their own. */
  readonly emergencyMember: boolean;
}

/** What the viewer may do with one request now: each a form on the page. */
export interface RequestChoices {
  /** Approve or deny: the request, or its window's pending extension. */
  readonly decide: boolean;
  /** Withdraw it while pending, or end its window now. */
  readonly close: boolean;
  /** The lengths (ms) its window may be extended by; empty when it may not be. */
  readonly extendBy: readonly number[];
}

/**
 * The same rules as the API's (decisions.ts, requestActions.ts), asked before a form is shown, so
 * that the page offers no button the API would refuse; the API still decides when it is pressed.
 */
export function requestChoices(request: EmergencyRequest, viewer: ConsoleGroups, now: Date): RequestChoices {
  const own = sameOid(request.requester.oid, viewer.oid);
  const pending = pendingDecision(request, now);
  const extendable =
    own &&
    viewer.emergencyMember &&
    request.status === "open" &&
    request.window &&
    request.extension?.status !== "pending";
  return {
    decide: viewer.approver && !own && pending !== undefined && !hasApproved(request, viewer.oid, now),
    close: acceptsClose(request.status) && (own || viewer.approver),
    extendBy: extendable && request.window ? extensionChoices(request.window, request.maxDurationMs) : [],
  };
}

/** A section of the console page that lists requests. */
export type ConsoleSection = "waiting" | "open" | "recent";

/**
 * The forms a request's card gets in one section, so that no button shows twice on the page: the
 * decision in Waiting, close and extend in Open now, and in Recent only the withdrawal of one's
 * own pending request (which no other section shows). A request's own page shows them all.
 */
export function sectionChoices(
  section: ConsoleSection,
  request: EmergencyRequest,
  viewer: ConsoleGroups,
  now: Date,
): RequestChoices {
  const choices = requestChoices(request, viewer, now);
  const none = { decide: false, close: false, extendBy: [] };
  if (section === "waiting") return { ...none, decide: choices.decide };
  if (section === "open") return { ...choices, decide: false };
  const withdrawable = request.status === "pending-approval" && sameOid(request.requester.oid, viewer.oid);
  return { ...none, close: choices.close && withdrawable };
}

export interface ConsoleSections {
  /** What awaits this approver's decision, the nearest deadline first. */
  readonly waiting: readonly EmergencyRequest[];
  /** Windows open (or being opened or locked), the soonest to close first. */
  readonly open: readonly EmergencyRequest[];
  readonly recent: readonly EmergencyRequest[];
}

/** The sections, from every request there is: only those the viewer could GET through the API. */
export function consoleSections(
  requests: readonly EmergencyRequest[],
  viewer: ConsoleGroups,
  now: Date,
): ConsoleSections {
  const visible = requests.filter((request) => mayViewRequest(request, viewer.oid, viewer.approver));
  const deadline = (request: EmergencyRequest) => pendingDecision(request, now)?.deadline ?? "";
  const closesAt = (request: EmergencyRequest) => request.window?.closesAt ?? "~";
  return {
    waiting: visible
      .filter((request) => requestChoices(request, viewer, now).decide)
      .sort((a, b) => deadline(a).localeCompare(deadline(b))),
    open: visible
      .filter((request) => holdsWindow(request.status))
      .sort((a, b) => closesAt(a).localeCompare(closesAt(b))),
    recent: recentOf(visible, viewer),
  };
}

/**
 * The last RECENT_LIMIT requests, newest first, and the viewer's own pending ones however many
 * requests came after: Recent is where they are withdrawn (sectionChoices).
 */
function recentOf(visible: readonly EmergencyRequest[], viewer: ConsoleGroups): EmergencyRequest[] {
  const newest = [...visible].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  const ownPending = newest
    .slice(RECENT_LIMIT)
    .filter((request) => request.status === "pending-approval" && sameOid(request.requester.oid, viewer.oid));
  return [...newest.slice(0, RECENT_LIMIT), ...ownPending];
}

/** The lengths a person picks from, in words on the page; each within the policy's bounds. */
const LENGTHS_MS = [15, 30, 60, 120, 240, 480, 720, 1440].map((minutes) => minutes * MINUTE_MS);

/** The durations the ask form offers: the usual lengths within policy, and its minimum, default and maximum. */
export function durationChoices(policy: Pick<WindowPolicy, "minDurationMs" | "maxDurationMs" | "defaultDurationMs">) {
  const { minDurationMs: min, maxDurationMs: max, defaultDurationMs } = policy;
  const within = LENGTHS_MS.filter((ms) => ms >= min && ms <= max);
  return [...new Set([min, ...within, defaultDurationMs, max])].sort((a, b) => a - b);
}

/** How much longer an open window may be asked for: the usual lengths that fit, and all the room left. */
export function extensionChoices(window: WindowTimes, maxDurationMs: number): readonly number[] {
  const room = Date.parse(window.openedAt) + maxDurationMs - Date.parse(window.closesAt);
  // Whole minutes only: an ISO duration with seconds would read oddly in the form.
  const roomMs = Math.floor(room / MINUTE_MS) * MINUTE_MS;
  if (roomMs <= 0) return [];
  return [...new Set([...LENGTHS_MS.filter((ms) => ms < roomMs), roomMs])];
}
