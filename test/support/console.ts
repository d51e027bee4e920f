// The console as a browser uses it, for integration tests: pages fetched with the simulation's
// session cookie, forms posted the way a browser posts them, and the pieces of a page tests read.
import type { Harness, Reply, UserName } from "./harness.js";

/** The simulation's browser session of a user: the cookie /api/dev/login sets. */
export async function session(h: Harness, user: UserName): Promise<string> {
  return `breakglass_session=${await h.token(user)}`;
}

export async function consolePage(h: Harness, as?: UserName, query: Record<string, string> = {}): Promise<Reply> {
  return h.call(h.app.console.console, { query, headers: as ? { cookie: await session(h, as) } : {} });
}

export async function requestPage(h: Harness, id: string, as?: UserName): Promise<Reply> {
  return h.call(h.app.console.consoleRequest, { params: { id }, headers: as ? { cookie: await session(h, as) } : {} });
}

export interface FormPost {
  readonly as?: UserName;
  readonly headers?: Record<string, string>;
  /** Sent as is instead of the encoded fields. */
  readonly body?: string;
}

/** Posts the "Ask for a window" form. */
export async function ask(h: Harness, fields: Record<string, string>, post: FormPost = {}): Promise<Reply> {
  return h.call(h.app.console.askForWindow, await formCall(h, fields, post, {}));
}

/** Posts one request's form: approve, deny, close, extend. */
export async function act(
  h: Harness,
  id: string,
  action: string,
  fields: Record<string, string>,
  post: FormPost = {},
): Promise<Reply> {
  return h.call(h.app.console.actOnRequest, await formCall(h, fields, post, { id, action }));
}

async function formCall(h: Harness, fields: Record<string, string>, post: FormPost, params: Record<string, string>) {
  return {
    method: "POST",
    params,
    body: post.body ?? new URLSearchParams(fields).toString(),
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "sec-fetch-site": "same-origin",
      ...(post.as ? { cookie: await session(h, post.as) } : {}),
      ...post.headers,
    },
  };
}

export const text = (reply: Reply): string => String(reply.body);

/** One section of the console (`waiting`, `open`, `ask`, `recent`, `clusters`), or "" when it is not there. */
export function sectionOf(page: Reply | string, id: string): string {
  const html = typeof page === "string" ? page : text(page);
  return new RegExp(`<section id="${id}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? "";
}

/** The ids of the requests a section shows, in order. */
export function requestIdsIn(page: Reply, section: string): string[] {
  return [...sectionOf(page, section).matchAll(/data-request-id="([^"]+)"/g)].map((match) => match[1]!);
}

/** The value of the hidden field `name` in `html` (the first one). */
export function hidden(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
}

/** The card of request `id` in `section`. */
export function cardOf(page: Reply, section: string, id: string): string {
  return new RegExp(`<article class="request" id="${section}-${id}"[\\s\\S]*?</article>`).exec(text(page))?.[0] ?? "";
}

/** The fields of the ask form as a page served them, with the person's own values. */
export function askFields(page: Reply, values: Record<string, string>): Record<string, string> {
  const form = sectionOf(page, "ask");
  return { csrf: hidden(form, "csrf")!, idempotencyKey: hidden(form, "idempotencyKey")!, ...values };
}
