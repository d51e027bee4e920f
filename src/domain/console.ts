// What the console (GET /api/console, docs/design.md §15) is made of, decided without I/O: the
// actions its forms post, the notices a redirect after a post may name (a closed set, so a link
// cannot put words on the page), and how long a form stays valid. Time is a parameter.
import { HOUR_MS } from "./duration.js";

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
  "extension-asked": "Your extension was sent to the approvers. The window keeps its end time until it is approved.",
} as const;
export type ConsoleNotice = keyof typeof CONSOLE_NOTICES;

export function isConsoleNotice(text: string): text is ConsoleNotice {
  return Object.hasOwn(CONSOLE_NOTICES, text);
}
