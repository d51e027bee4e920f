// The Microsoft Graph application roles a deployment grants the app (README, Deployment step 4),
// with Policy.Read.All, which lets readiness read Conditional Access. The simulation's app holds
// them, and so does the app of the azure-mode fakes; readiness judges which of them it needs.
export const GRANTED_GRAPH_ROLES = [
  "GroupMember.Read.All",
  "User.Read.All",
  "Mail.Send",
  "AuditLog.Read.All",
  "Directory.Read.All",
  "Group.Read.All",
  "Policy.Read.All",
] as const;
