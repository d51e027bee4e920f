import type { ActionReceipt } from "../domain/actions.js";

/**
 * The receipts of actions handed to request workflows, and which of them nobody has yet found the
 * fate of (the sweep's work list). Storage outages are thrown as TransientError.
 */
export interface ActionLedger {
  /** Records a receipt, unsettled. Idempotent per receipt id. */
  receive(receipt: ActionReceipt): Promise<void>;
  /** Every receipt of a request, oldest first. */
  list(requestId: string): Promise<readonly ActionReceipt[]>;
  /** Up to `limit` receipts whose fate has not been settled, oldest first; after `after`, when given. */
  unsettled(limit: number, after?: ActionReceipt): Promise<readonly ActionReceipt[]>;
  /** Takes a receipt off the work list (its fate is in the trail). Idempotent. */
  settle(receipt: ActionReceipt): Promise<void>;
  /** Removes a receipt whose action was never handed over after all (the hand-over failed). */
  withdraw(receipt: ActionReceipt): Promise<void>;
}
