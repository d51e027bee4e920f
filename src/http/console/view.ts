// SKELETON (helper H1 replaces): the console page and the request page.
import type { HttpResponseInit } from "@azure/functions";
import type { HttpHandler } from "../handler.js";
import { messagePage, type Banner } from "../pages.js";
import { CONSOLE_PATH, signedInViewer, type ConsoleDependencies, type Viewer } from "./viewer.js";

/** What a form post that was not accepted shows on the console it re-renders. */
export interface AskValues {
  readonly cluster: string;
  readonly duration: string;
  readonly justification: string;
  readonly ticket: string;
}

export interface ConsoleExtras {
  /** The status to answer with (the refusal's, when a form was refused); 200 by default. */
  readonly status?: number;
  /** A banner above the sections: a notice after a redirect, or why a form was refused. */
  readonly banner?: Banner;
  /** The ask form as it was posted, with why it was refused, shown in the form. */
  readonly ask?: { readonly values: AskValues; readonly error: string };
}

/** The console as `viewer` may see it now. */
export async function consoleResponse(
  _deps: ConsoleDependencies,
  viewer: Viewer,
  extras: ConsoleExtras = {},
): Promise<HttpResponseInit> {
  return messagePage(
    extras.status ?? 200,
    "Break-glass console",
    extras.banner ?? { tone: "info", text: viewer.principal.upn },
  );
}

export function consolePageHandler(deps: ConsoleDependencies): HttpHandler {
  return async (request) => {
    const gated = await signedInViewer(deps, request, CONSOLE_PATH);
    if (gated.page) return gated.page;
    return consoleResponse(deps, gated.viewer);
  };
}

export function requestPageHandler(deps: ConsoleDependencies): HttpHandler {
  return async (request) => {
    const gated = await signedInViewer(deps, request, `${CONSOLE_PATH}/requests/${request.params.id ?? ""}`);
    if (gated.page) return gated.page;
    return consoleResponse(deps, gated.viewer);
  };
}
