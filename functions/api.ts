import { app } from "@azure/functions";
import * as df from "durable-functions";
import { loadConfig } from "../src/config.js";
import { apiHandler, graphNotificationsHandler, reviewHandler } from "../src/hosting.js";

// Parse the configuration at load: a misconfigured app fails to start, naming the variable.
loadConfig();

const durableClient = df.input.durableClient();
const anonymous = "anonymous" as const; // callers are authenticated by their Entra token, not a function key

app.http("health", { route: "health", methods: ["GET"], authLevel: anonymous, handler: apiHandler("health") });
app.http("createRequest", {
  route: "requests",
  methods: ["POST"],
  authLevel: anonymous,
  extraInputs: [durableClient],
  handler: apiHandler("createRequest"),
});
app.http("listRequests", { route: "requests", methods: ["GET"], authLevel: anonymous, handler: apiHandler("listRequests") });
app.http("getRequest", { route: "requests/{id}", methods: ["GET"], authLevel: anonymous, handler: apiHandler("getRequest") });
app.http("approveRequest", {
  route: "requests/{id}/approve",
  methods: ["POST"],
  authLevel: anonymous,
  extraInputs: [durableClient],
  handler: apiHandler("approveRequest"),
});
app.http("denyRequest", {
  route: "requests/{id}/deny",
  methods: ["POST"],
  authLevel: anonymous,
  extraInputs: [durableClient],
  handler: apiHandler("denyRequest"),
});
app.http("closeRequest", {
  route: "requests/{id}/close",
  methods: ["POST"],
  authLevel: anonymous,
  extraInputs: [durableClient],
  handler: apiHandler("closeRequest"),
});
app.http("reviewRequest", { route: "requests/{id}/review", methods: ["GET"], authLevel: anonymous, handler: reviewHandler("reviewRequest") });
app.http("submitReview", {
  route: "requests/{id}/review",
  methods: ["POST"],
  authLevel: anonymous,
  extraInputs: [durableClient],
  handler: reviewHandler("submitReview"),
});
app.http("readAudit", { route: "audit", methods: ["GET"], authLevel: anonymous, handler: apiHandler("readAudit") });
app.http("verifyAudit", { route: "audit/verify", methods: ["GET"], authLevel: anonymous, handler: apiHandler("verifyAudit") });
app.http("extendRequest", {
  route: "requests/{id}/extend",
  methods: ["POST"],
  authLevel: anonymous,
  extraInputs: [durableClient],
  handler: apiHandler("extendRequest"),
});
app.http("listClusters", { route: "clusters", methods: ["GET"], authLevel: anonymous, handler: apiHandler("listClusters") });
// Microsoft Graph posts change notifications here; the clientState, not the caller, is checked.
app.http("graphNotifications", {
  route: "graph/notifications",
  methods: ["POST"],
  authLevel: anonymous,
  extraInputs: [durableClient],
  handler: graphNotificationsHandler(),
});
