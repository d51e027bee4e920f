// What "healthy" means in azure mode: each thing the workflow depends on, tried the way the
// workflow uses it, with the permission it needs.
import type { ManagedCluster } from "../domain/clusters.js";
import { HealthProblem, type HealthCheck } from "./monitor.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { Directory } from "../ports/directory.js";

/** The settings the checks read. */
export interface AzureCheckSettings {
  readonly tenantId: string;
  readonly endpoints: { readonly authority: string };
  readonly clusters: readonly ManagedCluster[];
  readonly emergencyGroupId: string;
  readonly approverGroupId: string;
  readonly teamsWebhookUrl: string | undefined;
  readonly mailSender: string | undefined;
}

export interface AzureDependencies {
  readonly config: AzureCheckSettings;
  readonly audit: AuditLog;
  readonly clusterControl: ClusterControl;
  readonly directory: Directory;
  readonly activityLog: ActivityLogReader;
  readonly now: () => Date;
}

export function azureHealthChecks(deps: AzureDependencies): HealthCheck[] {
  return [
    { name: "storage", run: () => checkStorage(deps) },
    { name: "signing-keys", run: () => checkSigningKeys(deps) },
    { name: "clusters", run: () => checkClusters(deps) },
    { name: "directory", run: () => checkDirectory(deps) },
    { name: "activity-log", run: () => checkActivityLog(deps) },
    { name: "notifications", run: () => checkNotifications(deps) },
  ];
}

async function checkStorage(deps: AzureDependencies): Promise<undefined> {
  await deps.audit.readStream("health-probe");
  return undefined;
}

async function checkSigningKeys({ config }: AzureDependencies): Promise<undefined> {
  const response = await fetch(`${config.endpoints.authority}/${config.tenantId}/discovery/v2.0/keys`, {
    signal: AbortSignal.timeout(5_000),
  });
  const keys = response.ok ? ((await response.json()) as { keys?: unknown[] }).keys : undefined;
  if (!keys?.length)
    throw new HealthProblem(
      "NO_SIGNING_KEYS",
      `the tenant's signing keys could not be fetched (HTTP ${response.status})`,
    );
  return undefined;
}

async function checkClusters({ config, clusterControl }: AzureDependencies): Promise<string> {
  const reads = await Promise.all(config.clusters.map((cluster) => clusterControl.read(cluster)));
  const missing = reads.filter((read) => read.kind === "not-found").length;
  if (missing)
    throw new HealthProblem("CLUSTER_NOT_FOUND", `${missing} of ${reads.length} managed clusters were not found`);
  const withoutEntra = reads.filter((read) => read.kind === "found" && !read.state.entraIntegration).length;
  if (withoutEntra) {
    throw new HealthProblem(
      "ENTRA_INTEGRATION_OFF",
      `${withoutEntra} managed cluster(s) lack Entra integration: their local accounts cannot be disabled`,
    );
  }
  return `${reads.length} readable`;
}

async function checkDirectory({ config, directory }: AzureDependencies): Promise<undefined> {
  await directory.listTransitiveUsers(config.emergencyGroupId);
  const approvers = (await directory.listTransitiveUsers(config.approverGroupId)).filter((user) => user.accountEnabled);
  if (approvers.length === 0)
    throw new HealthProblem("NO_APPROVERS", "the approver group has no enabled members: nobody could approve");
  return undefined;
}

async function checkActivityLog({ config, activityLog, now }: AzureDependencies): Promise<undefined> {
  const [first] = config.clusters;
  if (first) await activityLog.adminCredentialFetches(first, new Date(now().getTime() - 60_000), now());
  return undefined;
}

async function checkNotifications({ config, directory }: AzureDependencies): Promise<string> {
  const channels = [config.teamsWebhookUrl ? "teams" : undefined, config.mailSender ? "email" : undefined].filter(
    Boolean,
  );
  if (!channels.length)
    throw new HealthProblem(
      "NO_CHANNEL",
      "set BREAKGLASS_TEAMS_WEBHOOK_URL or BREAKGLASS_MAIL_SENDER: approvers would hear nothing",
    );
  if (config.mailSender && !(await directory.getUser(config.mailSender))) {
    throw new HealthProblem("MAIL_SENDER_NOT_FOUND", "BREAKGLASS_MAIL_SENDER is not a mailbox of the tenant");
  }
  return channels.join(", ");
}
