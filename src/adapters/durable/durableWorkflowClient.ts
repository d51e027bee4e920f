import type { DurableClient } from "durable-functions";
import type { WorkflowClient } from "../../ports/workflowClient.js";
import { REQUEST_ACTION_EVENT, WINDOW_ORCHESTRATOR, type RequestAction, type WindowWorkflowInput } from "../../workflow/contracts.js";

/** The WorkflowClient on the Durable Functions client binding of one invocation. */
export class DurableWorkflowClient implements WorkflowClient {
  constructor(private readonly client: DurableClient) {}

  async startWindow(input: WindowWorkflowInput): Promise<void> {
    await this.client.startNew(WINDOW_ORCHESTRATOR, { instanceId: input.id, input });
  }

  async sendAction(requestId: string, action: RequestAction): Promise<void> {
    await this.client.raiseEvent(requestId, REQUEST_ACTION_EVENT, action);
  }
}
