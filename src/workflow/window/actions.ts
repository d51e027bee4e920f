// Waiting for what people do to a request: approve, deny, close, extend.
import type { TimerTask } from "durable-functions";
import type { RequestAction } from "../../ports/workflowClient.js";
import { REQUEST_ACTION_EVENT, requestActionSchema } from "../contracts.js";
import type { Step } from "./calls.js";
import type { WindowRun } from "./recorder.js";

export type ActionOf<Type extends RequestAction["type"]> = Extract<RequestAction, { type: Type }>;

export type Next = { kind: "action"; action: RequestAction } | { kind: "timeout"; index: number };

/**
 * The next valid action, or a timeout (the index of the deadline that passed first). A fresh
 * timer per deadline and wait, the losers cancelled, as the replay engine requires; malformed
 * events are audited and skipped.
 */
export function* nextAction({ context, record }: WindowRun, deadlines: readonly Date[]): Step<Next> {
  for (;;) {
    const timers: TimerTask[] = deadlines.map((deadline) => context.df.createTimer(deadline));
    const event = context.df.waitForExternalEvent(REQUEST_ACTION_EVENT);
    const winner = yield context.df.Task.any([event, ...timers]);
    for (const timer of timers) if (timer !== winner) timer.cancel();
    const index = timers.findIndex((timer) => timer === winner);
    if (index >= 0) return { kind: "timeout", index };
    const parsed = requestActionSchema.safeParse(event.result);
    if (parsed.success) return { kind: "action", action: parsed.data };
    yield* record.audit("event-ignored", { outcome: "refused", code: "MALFORMED_EVENT" });
  }
}
