// SKELETON (helper H2 replaces): the console's forms.
import type { HttpHandler } from "../handler.js";
import { CONSOLE_PATH, signedInViewer, type ConsoleDependencies } from "./viewer.js";
import { consoleResponse } from "./view.js";

export function askForWindowHandler(deps: ConsoleDependencies): HttpHandler {
  return async (request) => {
    const gated = await signedInViewer(deps, request, CONSOLE_PATH);
    if (gated.page) return gated.page;
    return consoleResponse(deps, gated.viewer, { status: 501 });
  };
}

export function actOnRequestHandler(deps: ConsoleDependencies): HttpHandler {
  return async (request) => {
    const gated = await signedInViewer(deps, request, CONSOLE_PATH);
    if (gated.page) return gated.page;
    return consoleResponse(deps, gated.viewer, { status: 501 });
  };
}
