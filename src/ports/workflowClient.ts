import type { RequestAction, WindowWorkflowInput } from "../workflow/contracts.js";

/** Starting and steering emergency-window orchestrations (Durable Functions in production). */
export interface WorkflowClient {
  /** Starts the orchestration for a request; its instance id is the request id. */
  startWindow(input: WindowWorkflowInput): Promise<void>;
  /** Delivers an approval, denial or close. An orchestration that already ended ignores it. */
  sendAction(requestId: string, action: RequestAction): Promise<void>;
}
