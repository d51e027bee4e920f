import * as df from "durable-functions";
import { loadConfig } from "../src/app/config.js";
import {
  anonymousRoute,
  apiHandler,
  consoleHandler,
  graphNotificationsHandler,
  reviewHandler,
} from "../src/app/hosting.js";

// Parse the configuration at load: a misconfigured app fails to start, naming the variable.
loadConfig();

const workflow = [df.input.durableClient()]; // routes that start or signal a workflow

anonymousRoute("health", ["GET"], "health", apiHandler("health"));
anonymousRoute("createRequest", ["POST"], "requests", apiHandler("createRequest"), workflow);
anonymousRoute("listRequests", ["GET"], "requests", apiHandler("listRequests"));
anonymousRoute("getRequest", ["GET"], "requests/{id}", apiHandler("getRequest"));
anonymousRoute("requestEvidence", ["GET"], "requests/{id}/evidence", apiHandler("requestEvidence"));
anonymousRoute("approveRequest", ["POST"], "requests/{id}/approve", apiHandler("approveRequest"), workflow);
anonymousRoute("denyRequest", ["POST"], "requests/{id}/deny", apiHandler("denyRequest"), workflow);
anonymousRoute("closeRequest", ["POST"], "requests/{id}/close", apiHandler("closeRequest"), workflow);
anonymousRoute("extendRequest", ["POST"], "requests/{id}/extend", apiHandler("extendRequest"), workflow);
anonymousRoute("reviewRequest", ["GET"], "requests/{id}/review", reviewHandler("reviewRequest"));
anonymousRoute("submitReview", ["POST"], "requests/{id}/review", reviewHandler("submitReview"), workflow);
// The console: pages behind the sign-in, and the forms they post (docs/design.md §15).
anonymousRoute("console", ["GET"], "console", consoleHandler("console"));
anonymousRoute("consoleRequest", ["GET"], "console/requests/{id}", consoleHandler("consoleRequest"));
anonymousRoute("askForWindow", ["POST"], "console/requests", consoleHandler("askForWindow"), workflow);
anonymousRoute("actOnRequest", ["POST"], "console/requests/{id}/{action}", consoleHandler("actOnRequest"), workflow);
anonymousRoute("readAudit", ["GET"], "audit", apiHandler("readAudit"));
anonymousRoute("verifyAudit", ["GET"], "audit/verify", apiHandler("verifyAudit"));
anonymousRoute("listClusters", ["GET"], "clusters", apiHandler("listClusters"));
anonymousRoute("readiness", ["GET"], "readiness", apiHandler("readiness"));
// Microsoft Graph posts change notifications here; the clientState, not the caller, is checked.
anonymousRoute("graphNotifications", ["POST"], "graph/notifications", graphNotificationsHandler(), workflow);
