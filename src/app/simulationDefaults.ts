// The simulated world of docs/design.md §6: four people, two groups, two clusters. The ids are fixed
// so that tokens, links and stored state stay meaningful across restarts and processes.

export const SIMULATION_TENANT_ID = "5e1a0000-0000-4000-8000-000000000000";

export const SIMULATION_GROUPS = {
  emergency: { id: "9e000000-0000-4000-8000-000000000001", displayName: "aks-emergency-admins" },
  approvers: { id: "9e000000-0000-4000-8000-000000000002", displayName: "aks-breakglass-approvers" },
} as const;

export interface SimulatedUser {
  readonly oid: string;
  readonly upn: string;
  readonly displayName: string;
  readonly mail: string;
  readonly accountEnabled: boolean;
  readonly groups: readonly (keyof typeof SIMULATION_GROUPS)[];
}

export const SIMULATION_USERS: readonly SimulatedUser[] = [
  user("a11ce000-0000-4000-8000-000000000001", "alice", "Alice Admin", ["emergency"]),
  user("b0b00000-0000-4000-8000-000000000002", "bob", "Bob Approver", ["approvers"]),
  user("ca201000-0000-4000-8000-000000000003", "carol", "Carol Both", ["emergency", "approvers"]),
  user("3a1102e0-0000-4000-8000-000000000004", "mallory", "Mallory Outsider", []),
];

function user(oid: string, name: string, displayName: string, groups: SimulatedUser["groups"]): SimulatedUser {
  const upn = `${name}@contoso.dev`;
  return { oid, upn, displayName, mail: upn, accountEnabled: true, groups };
}

const SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod";

export const SIMULATION_CLUSTER_IDS = [
  `${SUBSCRIPTION}/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu`,
  `${SUBSCRIPTION}/providers/Microsoft.ContainerService/managedClusters/aks-prod-neu`,
] as const;

/** Configuration defaults that make simulation mode run with no settings at all. */
export const SIMULATION_DEFAULTS = {
  AZURE_TENANT_ID: SIMULATION_TENANT_ID,
  BREAKGLASS_API_AUDIENCE: "api://aks-breakglass-simulation",
  BREAKGLASS_EMERGENCY_GROUP_ID: SIMULATION_GROUPS.emergency.id,
  BREAKGLASS_APPROVER_GROUP_ID: SIMULATION_GROUPS.approvers.id,
  BREAKGLASS_CLUSTERS: SIMULATION_CLUSTER_IDS.join(","),
  // Simulation refuses to run in Azure, so a published key protects nothing real.
  BREAKGLASS_LINK_SIGNING_KEY: "simulation-only-link-signing-key-not-a-secret",
  BREAKGLASS_PUBLIC_BASE_URL: "http://localhost:7071",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
} as const;
