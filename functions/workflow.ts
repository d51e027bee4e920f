import * as df from "durable-functions";
import { activityHandler } from "../src/hosting.js";
import { ACTIVITY_NAMES, WINDOW_ORCHESTRATOR } from "../src/workflow/contracts.js";
import { emergencyWindowOrchestrator } from "../src/workflow/orchestrator.js";

df.app.orchestration(WINDOW_ORCHESTRATOR, emergencyWindowOrchestrator);
for (const name of ACTIVITY_NAMES) df.app.activity(name, { handler: activityHandler(name) });
