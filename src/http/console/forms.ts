// The console's forms (docs/design.md §15): "Ask for a window", and Approve, Deny, Extend and Close
// on a request. Each goes through the form gate, then through the same code the API's route runs
// (RequestCreation, Decisions, RequestActions): the same checks, refusals and audit. A refusal
// shows the console again with why, and changes nothing; an accepted form redirects to the console.
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { isConsoleAction, NEW_REQUEST_SUBJECT, type ConsoleAction, type ConsoleNotice } from "../../domain/console.js";
import { isIdempotencyKey } from "../../domain/idempotency.js";
import { isRequestId } from "../../domain/ids.js";
import type { Principal } from "../authentication.js";
import { checkFields } from "../body.js";
import { ApiError } from "../errors.js";
import type { HttpHandler } from "../handler.js";
import { requestFields, type RequestCreation } from "../requestCreation.js";
import { denyFields, extendFields, type RequestActions } from "../requestActions.js";
import { openForm, redirectToConsole } from "./formGate.js";
import type { AskValues } from "./page.js";
import { notFoundPage } from "./requestPage.js";
import { consoleResponse } from "./view.js";
import type { ConsoleDependencies, Viewer } from "./viewer.js";

export interface FormCores {
  readonly creation: RequestCreation;
  readonly actions: RequestActions;
}

/** A refused form: the console again, saying why, with the ask form's values when it was that form. */
async function refusedForm(
  deps: ConsoleDependencies,
  viewer: Viewer,
  context: InvocationContext,
  error: unknown,
  what: string,
  ask?: AskValues,
): Promise<HttpResponseInit> {
  if (!(error instanceof ApiError)) throw error; // transient or a fault: the page boundary answers it
  // Unknown, or not the viewer's to see: the same page as the GET's.
  if (error.status === 404) return notFoundPage();
  const text =
    error.code === "IDEMPOTENCY_KEY_IN_USE"
      ? "This form was already sent and is still being processed: reload the console in a moment to see your request."
      : `${what} was not accepted: ${error.message}. Nothing was changed.`;
  const banner = { banner: { tone: "warning" as const, text }, role: "alert" as const };
  return consoleResponse(deps, viewer, context, { status: error.status, banner, ...(ask ? { ask } : {}) });
}

export function askForWindowHandler(deps: ConsoleDependencies, { creation }: FormCores): HttpHandler {
  return async (request, context) => {
    const gated = await openForm(deps, request, NEW_REQUEST_SUBJECT);
    if (gated.page) return gated.page;
    const { viewer, form } = gated;
    const values: AskValues = {
      cluster: form.get("cluster") ?? "",
      duration: form.get("duration") ?? "",
      justification: form.get("justification") ?? "",
      ticket: form.get("ticket") ?? "",
    };
    try {
      // The page's key: a second submit of the same page answers the first request.
      const key = form.get("idempotencyKey") ?? "";
      if (!isIdempotencyKey(key))
        throw new ApiError(400, "INVALID_IDEMPOTENCY_KEY", "the form lost its key; reload the console and ask again");
      const { duration, ...rest } = values;
      const fields = async () => checkFields(requestFields, duration ? { ...rest, duration } : rest);
      await creation.create(viewer.principal, key, fields, context);
      return redirectToConsole("asked");
    } catch (error) {
      return refusedForm(deps, viewer, context, error, "Your request", values);
    }
  };
}

type Act = (
  cores: FormCores & { readonly deps: ConsoleDependencies },
  principal: Principal,
  id: string,
  form: URLSearchParams,
  context: InvocationContext,
) => Promise<ConsoleNotice>;

/** Each action of a request's forms: what it runs, and the notice once it was accepted. */
const ACTIONS: Readonly<Record<ConsoleAction, { readonly what: string; readonly act: Act }>> = {
  approve: {
    what: "Your approval",
    act: ({ deps }, principal, id, _form, context) => decide(deps, principal, id, { type: "approve" }, context),
  },
  deny: {
    what: "Your denial",
    act: ({ deps }, principal, id, form, context) => {
      const { reason } = checkFields(denyFields, { reason: form.get("reason") ?? "" });
      return decide(deps, principal, id, reason ? { type: "deny", reason } : { type: "deny" }, context);
    },
  },
  close: {
    what: "Closing",
    act: async ({ actions }, principal, id, _form, context) => {
      const { request } = await actions.close(principal, id, context);
      return request.status === "pending-approval" ? "withdrawn" : "closing";
    },
  },
  extend: {
    what: "Your extension",
    act: async ({ actions }, principal, id, form, context) => {
      const { duration } = checkFields(extendFields, { duration: form.get("duration") ?? "" });
      await actions.extend(principal, id, duration, context);
      return "extension-asked";
    },
  },
};

async function decide(
  deps: ConsoleDependencies,
  principal: Principal,
  id: string,
  decision: { type: "approve" } | { type: "deny"; reason?: string },
  context: InvocationContext,
): Promise<ConsoleNotice> {
  const result = await deps.decisions.decide(principal, id, decision, deps.workflow(context), (message) =>
    context.warn(message),
  );
  if (result.kind === "refused") throw result.error;
  return decision.type === "approve" ? "approved" : "denied";
}

export function actOnRequestHandler(deps: ConsoleDependencies, cores: FormCores): HttpHandler {
  return async (request, context) => {
    const id = request.params.id ?? "";
    const action = request.params.action ?? "";
    if (!isRequestId(id) || !isConsoleAction(action)) return notFoundPage();
    const gated = await openForm(deps, request, id);
    if (gated.page) return gated.page;
    const { viewer, form } = gated;
    const { what, act } = ACTIONS[action];
    try {
      return redirectToConsole(await act({ ...cores, deps }, viewer.principal, id, form, context));
    } catch (error) {
      return refusedForm(deps, viewer, context, error, what);
    }
  };
}
