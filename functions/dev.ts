import { loadConfig } from "../src/app/config.js";
import { anonymousRoute, devHandler } from "../src/app/hosting.js";

// Simulation-only routes (docs/design.md §6) are not registered at all in azure mode; they use the
// simulated world's own sign-in, which the configuration refuses in Azure.
if (loadConfig().mode === "simulation") {
  anonymousRoute("devToken", ["POST"], "dev/token", devHandler("devToken"));
  anonymousRoute("devLogin", ["GET"], "dev/login", devHandler("devLogin"));
  anonymousRoute("devOutbox", ["GET"], "dev/outbox", devHandler("devOutbox"));
  anonymousRoute("devAddMember", ["POST"], "dev/directory/groups/{group}/members", devHandler("devAddMember"));
  anonymousRoute(
    "devRemoveMember",
    ["DELETE"],
    "dev/directory/groups/{group}/members/{user}",
    devHandler("devRemoveMember"),
  );
  anonymousRoute("devAddCluster", ["POST"], "dev/clusters", devHandler("devAddCluster"));
  anonymousRoute("devCalls", ["GET"], "dev/calls", devHandler("devCalls"));
  anonymousRoute(
    "devSetLocalAccounts",
    ["POST"],
    "dev/clusters/{name}/local-accounts",
    devHandler("devSetLocalAccounts"),
  );
  anonymousRoute(
    "devAdminCredentials",
    ["POST"],
    "dev/clusters/{name}/admin-credentials",
    devHandler("devAdminCredentials"),
  );
  anonymousRoute("devKubectl", ["POST"], "dev/clusters/{name}/kubectl", devHandler("devKubectl"));
  anonymousRoute("devInjectFault", ["POST"], "dev/clusters/{name}/faults", devHandler("devInjectFault"));
  anonymousRoute("devSetPermission", ["POST"], "dev/clusters/{name}/permissions", devHandler("devSetPermission"));
  anonymousRoute(
    "devSetEmergencyRole",
    ["POST"],
    "dev/clusters/{name}/emergency-role",
    devHandler("devSetEmergencyRole"),
  );
  anonymousRoute("devSetAuditLogs", ["POST"], "dev/clusters/{name}/audit-logs", devHandler("devSetAuditLogs"));
}
