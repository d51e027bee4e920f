import { workflowStatusOf } from "../../src/adapters/durable/durableWorkflowClient.js";
import type { GroupWatchInput } from "../../src/domain/groupWatch.js";
import type {
  RequestAction,
  WindowWorkflowInput,
  WorkflowClient,
  WorkflowStatus,
} from "../../src/ports/workflowClient.js";
import { GROUP_WATCH_ORCHESTRATOR, REQUEST_ACTION_EVENT, WINDOW_ORCHESTRATOR } from "../../src/workflow/contracts.js";
import type { DurableEngine } from "./engine.js";

/** The app's WorkflowClient served by the in-process engine instead of Durable Functions. */
export class EngineWorkflowClient implements WorkflowClient {
  constructor(private readonly engine: DurableEngine) {}

  async startWindow(input: WindowWorkflowInput): Promise<void> {
    await this.engine.startNew(WINDOW_ORCHESTRATOR, input.id, input);
  }

  async sendAction(requestId: string, action: RequestAction): Promise<void> {
    // Like Durable's client: an event for an instance that has ended is dropped (HTTP 410), not an error.
    if ((await this.engine.raiseEvent(requestId, REQUEST_ACTION_EVENT, action)) === "not-found") {
      throw new Error(`No instance with ID '${requestId}' found.`);
    }
  }

  async status(requestId: string): Promise<WorkflowStatus> {
    return workflowStatusOf(this.engine.getStatus(requestId)?.runtimeStatus);
  }

  async startGroupWatch(instanceId: string, input: GroupWatchInput): Promise<void> {
    await this.engine.startNew(GROUP_WATCH_ORCHESTRATOR, instanceId, input);
  }
}
