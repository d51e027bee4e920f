import { app } from "@azure/functions";
import { loadConfig } from "../src/config.js";
import { devHandler } from "../src/hosting.js";

// Simulation-only routes (DESIGN §6) are not registered at all in azure mode.
if (loadConfig().mode === "simulation") {
  const anonymous = "anonymous" as const; // the simulated world's own sign-in; refused in Azure by the configuration
  app.http("devToken", { route: "dev/token", methods: ["POST"], authLevel: anonymous, handler: devHandler("devToken") });
  app.http("devLogin", { route: "dev/login", methods: ["GET"], authLevel: anonymous, handler: devHandler("devLogin") });
  app.http("devOutbox", { route: "dev/outbox", methods: ["GET"], authLevel: anonymous, handler: devHandler("devOutbox") });
  app.http("devAddMember", {
    route: "dev/directory/groups/{group}/members",
    methods: ["POST"],
    authLevel: anonymous,
    handler: devHandler("devAddMember"),
  });
  app.http("devRemoveMember", {
    route: "dev/directory/groups/{group}/members/{user}",
    methods: ["DELETE"],
    authLevel: anonymous,
    handler: devHandler("devRemoveMember"),
  });
  app.http("devSetLocalAccounts", {
    route: "dev/clusters/{name}/local-accounts",
    methods: ["POST"],
    authLevel: anonymous,
    handler: devHandler("devSetLocalAccounts"),
  });
  app.http("devAdminCredentials", {
    route: "dev/clusters/{name}/admin-credentials",
    methods: ["POST"],
    authLevel: anonymous,
    handler: devHandler("devAdminCredentials"),
  });
  app.http("devInjectFault", {
    route: "dev/clusters/{name}/faults",
    methods: ["POST"],
    authLevel: anonymous,
    handler: devHandler("devInjectFault"),
  });
}
