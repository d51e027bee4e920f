import { app } from "@azure/functions";
import { loadConfig } from "../src/config.js";
import { devHandler } from "../src/hosting.js";

// Simulation-only routes are not registered at all in azure mode.
if (loadConfig().mode === "simulation") {
  app.http("devToken", { route: "dev/token", methods: ["POST"], authLevel: "anonymous", handler: devHandler("devToken") });
  app.http("devOutbox", { route: "dev/outbox", methods: ["GET"], authLevel: "anonymous", handler: devHandler("devOutbox") });
}
