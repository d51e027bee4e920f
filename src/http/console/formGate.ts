// What every console form goes through before it may act (docs/design.md §15): not from another
// site, a signed-in viewer, a form body within the limits, and the anti-CSRF token the console
// issued to this viewer for this form's subject. Nothing is read from the stores before that.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { CONSOLE_FORM_TTL_MS, type ConsoleNotice } from "../../domain/console.js";
import { durationInWords } from "../../domain/humanTime.js";
import { readFormBody } from "../body.js";
import { messagePage } from "../pages.js";
import { CONSOLE_PATH, signedInViewer, type ConsoleDependencies, type Viewer } from "./viewer.js";

export type FormGate =
  | { readonly page: HttpResponseInit; readonly viewer?: undefined }
  | { readonly page?: undefined; readonly viewer: Viewer; readonly form: URLSearchParams };

/**
 * Browsers say where a form came from (Sec-Fetch-Site): the console's own forms are same-origin.
 * A form posted from any other site is refused before its cookie is even looked at; a client that
 * sends no such header still needs the token.
 */
const ACCEPTED_SITES = new Set(["same-origin", "none"]);

function refused(title: string, text: string): HttpResponseInit {
  return messagePage(
    403,
    title,
    { tone: "warning", text: `${text} Nothing was changed.` },
    { links: [{ label: "Open the console", url: CONSOLE_PATH }] },
  );
}

/** The viewer and their form, or the page that refuses it; `subject` is what the form's token must be for. */
export async function openForm(deps: ConsoleDependencies, request: HttpRequest, subject: string): Promise<FormGate> {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && !ACCEPTED_SITES.has(site.toLowerCase()))
    return { page: refused("This form cannot be accepted", "It was sent from another site, not from the console.") };
  const gated = await signedInViewer(deps, request, CONSOLE_PATH);
  if (gated.page) return gated;
  // Size, then media type: a 413 or 415 page (thrown, answered by the page boundary).
  const form = await readFormBody(request);
  const check = deps.tokens.check(form.get("csrf") ?? "", gated.viewer.principal.oid, subject, deps.now());
  if (check === "expired")
    return {
      page: refused(
        "This page is too old",
        `Its forms are accepted for ${durationInWords(CONSOLE_FORM_TTL_MS)} after it was served: reload the console and try again.`,
      ),
    };
  if (check === "invalid")
    return {
      page: refused(
        "This form cannot be accepted",
        "It was not sent by the console for you and this request. Open the console and try again from there.",
      ),
    };
  return { viewer: gated.viewer, form };
}

/** After a form was accepted: back to the console, with a notice (Post/Redirect/Get). */
export function redirectToConsole(notice: ConsoleNotice): HttpResponseInit {
  return { status: 303, headers: { Location: `${CONSOLE_PATH}?notice=${notice}`, "Cache-Control": "no-store" } };
}
