import * as df from "durable-functions";
import { activityHandler } from "../src/app/hosting.js";
import { ACTIVITY_NAMES, GROUP_WATCH_ORCHESTRATOR, WINDOW_ORCHESTRATOR } from "../src/workflow/contracts.js";
import { groupWatchOrchestrator } from "../src/workflow/groupWatchOrchestrator.js";
import { emergencyWindowOrchestrator } from "../src/workflow/window/story.js";

df.app.orchestration(WINDOW_ORCHESTRATOR, emergencyWindowOrchestrator);
df.app.orchestration(GROUP_WATCH_ORCHESTRATOR, groupWatchOrchestrator);
for (const name of ACTIVITY_NAMES) df.app.activity(name, { handler: activityHandler(name) });
