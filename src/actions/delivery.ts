// Handing an action to a request's workflow with a receipt, and finding out what became of it
// (docs/design.md §8.8). The API answers with what it knows: "pending" while a running workflow has
// yet to take the action, its fate once the trail tells it; an action that reached a workflow that
// had already stopped is recorded as ignored there and then.
import { fateInTrail, lastActions, type ActionFate, type ActionReceipt, type LastAction } from "../domain/actions.js";
import { ACTION_ID_RANDOM_BYTES, newActionId } from "../domain/ids.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { ActionLedger } from "../ports/actionLedger.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { RequestAction, WorkflowClient } from "../ports/workflowClient.js";
import { recordLateAction, type LateActionDependencies } from "./lateActions.js";

export interface ActionDeliveryDependencies extends LateActionDependencies {
  readonly actions: ActionLedger;
  readonly randomBytes: (size: number) => Uint8Array;
  readonly requests: Pick<RequestStore, "get">;
}

/** An action handed over: its id, and its fate as far as it is known when the API answers. */
export interface Delivered {
  readonly id: string;
  readonly fate: ActionFate;
}

/** What the sweep did in one round. */
export interface SweepReport {
  readonly settled: number;
  readonly recordedLate: number;
  readonly outstanding: number;
}

/** How many receipts one sweep round looks at; the rest wait for the next round. */
const SWEEP_BATCH = 200;

export class ActionDelivery {
  /**
   * Where the last round stopped: receipts that stay pending (a workflow that keeps running, a
   * receipt whose storage keeps failing) must not hold the ones behind them up for ever. Kept in
   * the process; a new process starts from the oldest again.
   */
  private sweptUpTo: ActionReceipt | undefined;

  constructor(
    private readonly deps: ActionDeliveryDependencies,
    private readonly sweepBatch = SWEEP_BATCH,
  ) {}

  /** Hands an action to the request's workflow, with a receipt written first. */
  async deliver(
    request: Pick<EmergencyRequest, "id">,
    /** Its id, if it has one, is replaced by the receipt's. */
    action: RequestAction,
    workflow: WorkflowClient,
  ): Promise<Delivered> {
    const id = newActionId(this.deps.randomBytes(ACTION_ID_RANDOM_BYTES));
    const receipt: ActionReceipt = { id, requestId: request.id, type: action.type, actor: action.actor, at: action.at };
    try {
      await this.deps.actions.receive(receipt);
      await workflow.sendAction(request.id, { ...action, id });
    } catch (error) {
      // Never handed over: no fate to find. Best effort; a receipt left behind is settled as ignored.
      await this.deps.actions.withdraw(receipt).catch(() => undefined);
      throw error; // transient: the caller answers 503 and the person may try again
    }
    try {
      const { fate } = await this.settle(receipt, (await workflow.status(request.id)) === "running");
      return { id, fate };
    } catch {
      // Handed over, so no error for the caller to retry: what became of it is for the sweep to find.
      return { id, fate: { result: "pending" } };
    }
  }

  /**
   * The fate of a received action: from the trail when the workflow tagged an entry with it;
   * recorded as ignored (`late`) when the workflow no longer runs and never took it; otherwise pending.
   */
  async settle(receipt: ActionReceipt, workflowRunning: boolean): Promise<{ fate: ActionFate; late: boolean }> {
    const fate = fateInTrail(receipt.id, await this.deps.audit.readStream(receipt.requestId));
    if (fate.result === "pending" && workflowRunning) return { fate, late: false };
    if (fate.result !== "pending") {
      await this.deps.actions.settle(receipt);
      return { fate, late: false };
    }
    const entry = await recordLateAction(this.deps, receipt, await this.deps.requests.get(receipt.requestId));
    await this.deps.actions.settle(receipt);
    return { fate: fateInTrail(receipt.id, [entry]), late: true };
  }

  /** Each actor's last action on a request and what became of it. */
  async lastActions(requestId: string): Promise<LastAction[]> {
    const [receipts, entries] = await Promise.all([
      this.deps.actions.list(requestId),
      this.deps.audit.readStream(requestId),
    ]);
    return lastActions(receipts, entries);
  }

  /** One round over the receipts nobody has settled yet (the watchdog's timer runs it). */
  async sweep(workflow: WorkflowClient, log: (message: string) => void): Promise<SweepReport> {
    const receipts = await this.deps.actions.unsettled(this.sweepBatch, this.sweptUpTo);
    // A short page is the end of the list: the next round starts from its beginning again.
    this.sweptUpTo = receipts.length < this.sweepBatch ? undefined : receipts.at(-1);
    const running = new Map<string, boolean>();
    let settled = 0;
    let recordedLate = 0;
    for (const receipt of receipts) {
      try {
        let isRunning = running.get(receipt.requestId);
        if (isRunning === undefined) {
          isRunning = (await workflow.status(receipt.requestId)) === "running";
          running.set(receipt.requestId, isRunning);
        }
        const { fate, late } = await this.settle(receipt, isRunning);
        if (fate.result !== "pending") settled++;
        if (late) recordedLate++;
      } catch (error) {
        // One receipt's storage trouble must not hold up the others; it stays on the list.
        log(`could not settle action ${receipt.id} on ${receipt.requestId}: ${String(error)}`);
      }
    }
    return { settled, recordedLate, outstanding: receipts.length - settled };
  }
}
