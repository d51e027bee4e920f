import type { GroupWatchInput } from "../domain/groupWatch.js";
import type { RequestAction, WindowWorkflowInput } from "../workflow/contracts.js";

/** Where an orchestration stands, as Durable Functions reports it. */
export type WorkflowStatus = "running" | "completed" | "failed" | "terminated" | "not-found";

/** Starting, steering and asking after emergency-window orchestrations (Durable Functions in production). */
export interface WorkflowClient {
  /** Starts the orchestration for a request; its instance id is the request id. */
  startWindow(input: WindowWorkflowInput): Promise<void>;
  /** Delivers an approval, denial, close or extension. An orchestration that already ended ignores it. */
  sendAction(requestId: string, action: RequestAction): Promise<void>;
  status(requestId: string): Promise<WorkflowStatus>;
  /** Starts one group-watch run in the background, under the given (unique) instance id. */
  startGroupSync(instanceId: string, input: GroupWatchInput): Promise<void>;
}
