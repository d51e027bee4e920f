// The console (docs/design.md §15): GET /api/console and the request pages it links to, and the
// forms they post. A GET never changes anything; every route starts from the signed-in viewer.
import { ApiAccess } from "../apiAccess.js";
import { pageEndpoint } from "../handler.js";
import { RequestActions } from "../requestActions.js";
import { RequestCreation } from "../requestCreation.js";
import { actOnRequestHandler, askForWindowHandler } from "./forms.js";
import type { ConsoleDependencies } from "./viewer.js";
import { consolePageHandler, requestPageHandler } from "./view.js";

export function createConsoleHandlers(deps: ConsoleDependencies) {
  const access = new ApiAccess(deps);
  const cores = { creation: new RequestCreation(deps, access), actions: new RequestActions(deps, access) };
  return {
    /** GET /api/console */
    console: pageEndpoint(consolePageHandler(deps)),
    /** GET /api/console/requests/{id}: one request, its audit verdict and its evidence. */
    consoleRequest: pageEndpoint(requestPageHandler(deps)),
    /** POST /api/console/requests: the "Ask for a window" form. */
    askForWindow: pageEndpoint(askForWindowHandler(deps, cores)),
    /** POST /api/console/requests/{id}/{action}: approve, deny, close, extend. */
    actOnRequest: pageEndpoint(actOnRequestHandler(deps, cores)),
  };
}

export type ConsoleHandlers = ReturnType<typeof createConsoleHandlers>;
