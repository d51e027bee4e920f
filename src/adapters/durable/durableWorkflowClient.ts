import { OrchestrationRuntimeStatus, type DurableClient } from "durable-functions";
import type { WorkflowClient, WorkflowStatus } from "../../ports/workflowClient.js";
import {
  GROUP_SYNC_ORCHESTRATOR,
  REQUEST_ACTION_EVENT,
  WINDOW_ORCHESTRATOR,
  type RequestAction,
  type WindowWorkflowInput,
} from "../../workflow/contracts.js";

/** What a group-watch run is started with, as the port declares it. */
type GroupWatchStart = Parameters<WorkflowClient["startGroupSync"]>[1];

/** The WorkflowClient on the Durable Functions client binding of one invocation. */
export class DurableWorkflowClient implements WorkflowClient {
  constructor(private readonly client: DurableClient) {}

  async startWindow(input: WindowWorkflowInput): Promise<void> {
    await this.client.startNew(WINDOW_ORCHESTRATOR, { instanceId: input.id, input });
  }

  async sendAction(requestId: string, action: RequestAction): Promise<void> {
    await this.client.raiseEvent(requestId, REQUEST_ACTION_EVENT, action);
  }

  async status(requestId: string): Promise<WorkflowStatus> {
    const status = await this.client.getStatus(requestId).catch((error: unknown) => {
      if (error instanceof Error && /404|not found/i.test(error.message)) return undefined;
      throw error;
    });
    return workflowStatusOf(status?.runtimeStatus);
  }

  async startGroupSync(instanceId: string, input: GroupWatchStart): Promise<void> {
    await this.client.startNew(GROUP_SYNC_ORCHESTRATOR, { instanceId, input });
  }
}

/** Durable's runtime status in the port's terms; pending, suspended and continued-as-new count as running. */
export function workflowStatusOf(runtimeStatus: string | undefined): WorkflowStatus {
  switch (runtimeStatus) {
    case undefined:
      return "not-found";
    case OrchestrationRuntimeStatus.Completed:
      return "completed";
    case OrchestrationRuntimeStatus.Failed:
      return "failed";
    case OrchestrationRuntimeStatus.Terminated:
    case OrchestrationRuntimeStatus.Canceled:
      return "terminated";
    default:
      return "running";
  }
}
