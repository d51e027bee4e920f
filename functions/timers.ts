import { app } from "@azure/functions";
import * as df from "durable-functions";
import { loadConfig } from "../src/app/config.js";
import { groupWatchHandler, readinessHandler, watchdogHandler } from "../src/app/hosting.js";

app.timer("watchdog", {
  schedule: loadConfig().watchdogSchedule,
  extraInputs: [df.input.durableClient()],
  handler: watchdogHandler(),
});

app.timer("groupWatch", {
  schedule: loadConfig().groupWatchSchedule,
  handler: groupWatchHandler(),
});

app.timer("readinessWatch", {
  schedule: loadConfig().readinessSchedule,
  handler: readinessHandler(),
});
