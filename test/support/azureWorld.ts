// The simulation's people and clusters, served by the HTTPS fakes of ARM, Graph, Entra, Log
// Analytics and a Teams webhook, with the environment that points azure mode at them. The approver group holds
// carol through a nested group, so authorization has to be transitive to work. Everything
// readiness checks is as the README sets it up: the app's custom roles on each cluster, the
// emergency group's Cluster Admin Role there, kube-audit to a workspace, the Graph roles consented,
// and a Conditional Access policy for AKS that excludes the emergency group.
import { SIMULATION_CLUSTER_IDS, SIMULATION_USERS } from "../../src/app/simulationDefaults.js";
import { CLUSTER_ADMIN_ROLE_ID } from "../../src/domain/readiness.js";
import type { AzureOptions } from "../../src/app/composition.js";
import { FakeArm } from "./fakes/fakeArm.js";
import { FakeEntra } from "./fakes/fakeEntra.js";
import { FakeGraph } from "./fakes/fakeGraph.js";
import { FakeLogAnalytics } from "./fakes/fakeLogAnalytics.js";
import { HttpsFake } from "./fakes/https.js";

export const AZURE_TENANT = "7e4a0000-0000-4000-8000-000000000000";
export const AZURE_AUDIENCE = "api://aks-breakglass";
export const AZURE_GROUPS = {
  emergency: "9e000000-0000-4000-8000-0000000000e1",
  approvers: "9e000000-0000-4000-8000-0000000000a1",
  seniors: "9e000000-0000-4000-8000-0000000000b1",
};
export const MAIL_SENDER = "breakglass@contoso.dev";
/** The first-party application AKS's Entra integration signs in to, which a Conditional Access policy for AKS targets. */
export const AKS_APPLICATION_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

export interface AzureWorld {
  readonly arm: FakeArm;
  readonly graph: FakeGraph;
  readonly entra: FakeEntra;
  readonly teams: HttpsFake;
  /** The Log Analytics query API, where the clusters' kube-audit rows are (none until a test adds them). */
  readonly logs: FakeLogAnalytics;
  readonly webhookUrl: string;
  readonly env: Record<string, string>;
  readonly options: AzureOptions;
  token(upn: string, now: Date): Promise<string>;
  stop(): Promise<void>;
}

export async function startAzureWorld(): Promise<AzureWorld> {
  const [arm, graph, entra, teams, logs] = await Promise.all([
    new FakeArm().start(),
    new FakeGraph().start(),
    new FakeEntra(AZURE_TENANT).start(),
    new HttpsFake(() => ({ status: 202 })).start(),
    new FakeLogAnalytics().start(),
  ]);
  for (const user of SIMULATION_USERS) {
    graph.addUser({
      id: user.oid,
      displayName: user.displayName,
      userPrincipalName: user.upn,
      mail: user.mail,
      accountEnabled: user.accountEnabled,
    });
  }
  graph.addUser({
    id: "5e7d0000-0000-4000-8000-000000000009",
    displayName: "Break-glass",
    userPrincipalName: MAIL_SENDER,
    mail: MAIL_SENDER,
    accountEnabled: true,
  });
  const oid = (name: string) => SIMULATION_USERS.find((user) => user.upn.startsWith(`${name}@`))!.oid;
  graph.addGroup(AZURE_GROUPS.emergency, "aks-emergency-admins", [oid("alice"), oid("carol")]);
  graph.addGroup(AZURE_GROUPS.seniors, "platform-seniors", [oid("carol")]);
  graph.addGroup(AZURE_GROUPS.approvers, "aks-breakglass-approvers", [oid("bob"), AZURE_GROUPS.seniors]);
  for (const id of SIMULATION_CLUSTER_IDS) {
    arm.addCluster(id);
    arm.assignRole(id, AZURE_GROUPS.emergency, CLUSTER_ADMIN_ROLE_ID);
  }
  graph.conditionalAccessPolicies.push({
    id: "ca000000-0000-4000-8000-0000000000a1",
    displayName: "Require MFA for AKS",
    state: "enabled",
    includeApplications: [AKS_APPLICATION_ID],
    excludeGroups: [AZURE_GROUPS.emergency],
  });
  const webhookUrl = `${teams.url}/workflows/approvers/triggers/manual/paths/invoke?sig=WEBHOOK-SECRET`;
  return {
    arm,
    graph,
    entra,
    teams,
    logs,
    webhookUrl,
    env: {
      BREAKGLASS_MODE: "azure",
      AZURE_TENANT_ID: AZURE_TENANT,
      BREAKGLASS_API_AUDIENCE: AZURE_AUDIENCE,
      BREAKGLASS_EMERGENCY_GROUP_ID: AZURE_GROUPS.emergency,
      BREAKGLASS_APPROVER_GROUP_ID: AZURE_GROUPS.approvers,
      BREAKGLASS_CLUSTERS: SIMULATION_CLUSTER_IDS.join(","),
      BREAKGLASS_LINK_SIGNING_KEY: "test-link-signing-key-0123456789abcdef",
      BREAKGLASS_PUBLIC_BASE_URL: "https://breakglass.contoso.dev",
      BREAKGLASS_TEAMS_WEBHOOK_URL: webhookUrl,
      BREAKGLASS_MAIL_SENDER: MAIL_SENDER,
      BREAKGLASS_ALERT_EMAILS: "secops@contoso.dev",
      AZURE_ARM_ENDPOINT: arm.url,
      GRAPH_ENDPOINT: graph.url,
      AZURE_AUTHORITY_HOST: entra.url,
      BREAKGLASS_LOGS_ENDPOINT: logs.url,
    },
    options: {
      credential: graph.credential(),
      pollIntervalMs: 5,
      maxRetries: 0,
      timeoutMs: 2_000,
      operationTimeoutMs: 5_000,
    },
    async token(upn, now) {
      const user = SIMULATION_USERS.find((candidate) => candidate.upn === upn)!;
      return entra.token(user, AZURE_AUDIENCE, now);
    },
    async stop() {
      await Promise.all([arm.stop(), graph.stop(), entra.stop(), teams.stop(), logs.stop()]);
    },
  };
}
