// What is done to a request that exists: approve, deny, close, extend. Each is answered with the
// request's new state once the workflow has taken the action (or with why it did not), because an
// approver at 3 a.m. wants to know "is it open now", not "your POST was accepted".
import { isoDurationInWords } from "../domain/humanTime.js";
import { actionAnswer, read, type RequestAnswer } from "./answers.js";
import { emit, type Context } from "./context.js";
import { CliFailure, EXIT, type ExitCode } from "./exits.js";
import { inert } from "./format.js";
import { durationOption, requestIdArgument } from "./requesting.js";
import { fetchRequest } from "./waiting.js";

type Action = "approve" | "deny" | "close" | "extend";

/** How long to wait for the workflow to take an action before saying "sent, not yet recorded". */
const SETTLE_MS = 5_000;

const DONE: Readonly<Record<Action, (view: RequestAnswer) => string>> = {
  approve: (view) => {
    const missing = view.requiredApprovals - view.approvals.length;
    if (missing > 0)
      return `approved ${view.id}: ${view.approvals.length} of ${view.requiredApprovals} approvals, ${missing} more needed`;
    if (view.status === "open") return `approved ${view.id}: the window is open`;
    return `approved ${view.id}: all ${view.requiredApprovals} approvals are in, the window is opening (${view.status})`;
  },
  deny: (view) => `denied ${view.id}: it is ${view.status}`,
  close: (view) =>
    view.window
      ? `closing ${view.id}: local accounts are being disabled (${view.status})`
      : `withdrew ${view.id}: it is ${view.status}`,
  extend: (view) =>
    `asked for ${isoDurationInWords(view.extension?.duration ?? "")} more on ${view.id}: approvers were notified (extension ${view.extension?.status ?? "pending"})`,
};

/** Reads the request until the action's fate is known or SETTLE_MS passed. */
async function settled(context: Context, id: string, actionId: string): Promise<RequestAnswer> {
  const { terminal } = context;
  const until = terminal.now().getTime() + SETTLE_MS;
  for (;;) {
    const view = await fetchRequest(context.client, id);
    const fate = view.actions?.find((action) => action.id === actionId);
    if ((fate && fate.result !== "pending") || terminal.now().getTime() >= until) return view;
    await terminal.sleep(Math.min(context.pollMs, 500));
  }
}

async function act(context: Context, action: Action, id: string, body: object): Promise<ExitCode> {
  const path = `/api/requests/${encodeURIComponent(requestIdArgument(id))}/${action}`;
  // Not repeated after a lost answer: the server may have taken it (only "never sent" is retried).
  const answer = await context.client.call("POST", path, { json: body, retry: "unsent" });
  const accepted = read(actionAnswer, answer.body, `POST ${path}`);
  const view = await settled(context, id, accepted.action.id);
  const fate = view.actions?.find((last) => last.id === accepted.action.id);
  const document = { ...view, action: fate ?? accepted.action };
  if (fate?.result === "ignored")
    throw new CliFailure(
      EXIT.error,
      `${action} was not counted: ${inert(fate.message ?? fate.code ?? "")}`,
      fate.code,
      {
        request: document,
      },
    );
  const text =
    fate?.result === "counted"
      ? DONE[action](view)
      : `${action} sent (${accepted.action.id}) and being recorded: see breakglass status ${view.id}`;
  emit(context, document, text);
  return EXIT.done;
}

export const approveRequest = (context: Context, id: string) => act(context, "approve", id, {});

export const denyRequest = (context: Context, id: string, reason: string | undefined) =>
  act(context, "deny", id, reason ? { reason } : {});

export const closeRequest = (context: Context, id: string) => act(context, "close", id, {});

export const extendRequest = (context: Context, id: string, duration: string) =>
  act(context, "extend", id, { duration: durationOption(duration) });
