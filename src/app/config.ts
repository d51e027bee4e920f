// Configuration: every setting of docs/design.md §5, read from the environment once and checked
// against a schema. An error names the variable and the rule it broke, all errors at once,
// so a misconfigured deployment is fixed in one pass rather than one restart per typo.
import { z } from "zod";
import { ROTATE_CERTIFICATES, type RotateCertificates } from "../domain/certificates.js";
import type { ManagedCluster } from "../domain/clusters.js";
import { DAY_MS, formatIsoDuration } from "../domain/duration.js";
import { DRIFT_ACTIONS, MODES, type DriftAction, type Mode } from "../domain/modes.js";
import type { WindowPolicy } from "../domain/policy.js";
import type { ClusterTag } from "../ports/fleet.js";
import {
  clusterList,
  clusterTag,
  duration,
  emailList,
  guid,
  guidList,
  integer,
  oneOf,
  schedule,
  text,
  url,
} from "./configRules.js";
import { SIMULATION_DEFAULTS } from "./simulationDefaults.js";
import { parseStorage, STORAGE_VARIABLES, type StorageConfig } from "./storageConfig.js";

export interface Config {
  readonly mode: Mode;
  readonly tenantId: string;
  /** The user-assigned managed identity's client id, when the app uses one. */
  readonly clientId: string | undefined;
  readonly apiAudience: string;
  readonly emergencyGroupId: string;
  readonly approverGroupId: string;
  /** BREAKGLASS_CLUSTERS: the clusters listed by id. With a tag, src/fleet/ adds those found by it. */
  readonly clusters: readonly ManagedCluster[];
  /** BREAKGLASS_CLUSTER_TAG and BREAKGLASS_SUBSCRIPTIONS: where tagged clusters are found. */
  readonly fleet: { readonly tag: ClusterTag | undefined; readonly subscriptions: readonly string[] };
  readonly policy: WindowPolicy;
  readonly rotateCertificates: RotateCertificates;
  readonly driftAction: DriftAction;
  readonly watchdogSchedule: string;
  readonly groupWatchSchedule: string;
  readonly readinessSchedule: string;
  /** BREAKGLASS_EVIDENCE: whether a closed window's kube-audit evidence is collected and admin credentials are watched. */
  readonly evidence: boolean;
  readonly groupMaxMembers: number;
  readonly teamsWebhookUrl: string | undefined;
  readonly mailSender: string | undefined;
  readonly alertEmails: readonly string[];
  readonly linkSigningKey: string;
  readonly publicBaseUrl: string;
  readonly graphClientState: string | undefined;
  /** `logs`: BREAKGLASS_LOGS_ENDPOINT, the Log Analytics query API. */
  readonly endpoints: {
    readonly arm: string;
    readonly graph: string;
    readonly authority: string;
    readonly logs: string;
  };
  readonly storage: StorageConfig;
  readonly taskHubName: string;
}

export const CONFIG_DEFAULTS = {
  BREAKGLASS_MIN_DURATION: "PT15M",
  BREAKGLASS_MAX_DURATION: "PT4H",
  BREAKGLASS_DEFAULT_DURATION: "PT1H",
  BREAKGLASS_APPROVAL_TIMEOUT: "PT30M",
  BREAKGLASS_REQUIRED_APPROVALS: "1",
  BREAKGLASS_ROTATE_CERTIFICATES: "when-credentials-issued",
  BREAKGLASS_DRIFT_ACTION: "relock",
  BREAKGLASS_WATCHDOG_SCHEDULE: "0 */1 * * * *",
  BREAKGLASS_GROUP_WATCH_SCHEDULE: "0 */5 * * * *",
  BREAKGLASS_READINESS_SCHEDULE: "0 0 6 * * *",
  BREAKGLASS_GROUP_MAX_MEMBERS: "3",
  BREAKGLASS_EVIDENCE: "on",
  BREAKGLASS_LOGS_ENDPOINT: "https://api.loganalytics.io",
  AZURE_ARM_ENDPOINT: "https://management.azure.com",
  GRAPH_ENDPOINT: "https://graph.microsoft.com",
  AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com",
  TASKHUB_NAME: "breakglass",
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const TASK_HUB = /^[A-Za-z][A-Za-z0-9]{2,44}$/;
const MIN_SIGNING_KEY_LENGTH = 32;

type Env = Readonly<Record<string, string | undefined>>;

function schemaFor(mode: Mode) {
  const https = mode === "azure";
  return z
    .object({
      AZURE_TENANT_ID: guid(),
      AZURE_CLIENT_ID: guid().optional(),
      BREAKGLASS_API_AUDIENCE: text(),
      BREAKGLASS_EMERGENCY_GROUP_ID: guid(),
      BREAKGLASS_APPROVER_GROUP_ID: guid(),
      BREAKGLASS_CLUSTERS: z.string().transform(clusterList),
      BREAKGLASS_CLUSTER_TAG: clusterTag().optional(),
      BREAKGLASS_SUBSCRIPTIONS: guidList(),
      BREAKGLASS_MIN_DURATION: duration(),
      BREAKGLASS_MAX_DURATION: duration(),
      BREAKGLASS_DEFAULT_DURATION: duration(),
      BREAKGLASS_APPROVAL_TIMEOUT: duration(),
      BREAKGLASS_REQUIRED_APPROVALS: integer(1, 10),
      BREAKGLASS_ROTATE_CERTIFICATES: oneOf(ROTATE_CERTIFICATES),
      BREAKGLASS_DRIFT_ACTION: oneOf(DRIFT_ACTIONS),
      BREAKGLASS_WATCHDOG_SCHEDULE: schedule(),
      BREAKGLASS_GROUP_WATCH_SCHEDULE: schedule(),
      BREAKGLASS_READINESS_SCHEDULE: schedule(),
      BREAKGLASS_GROUP_MAX_MEMBERS: integer(1, 1000),
      BREAKGLASS_EVIDENCE: oneOf(["on", "off"]),
      BREAKGLASS_LOGS_ENDPOINT: url(true).transform(trimSlash),
      BREAKGLASS_TEAMS_WEBHOOK_URL: url(true).optional(),
      BREAKGLASS_MAIL_SENDER: text().optional(),
      BREAKGLASS_ALERT_EMAILS: emailList(),
      BREAKGLASS_LINK_SIGNING_KEY: text().min(
        MIN_SIGNING_KEY_LENGTH,
        `must be at least ${MIN_SIGNING_KEY_LENGTH} characters of random secret`,
      ),
      BREAKGLASS_PUBLIC_BASE_URL: url(https).transform((value) => value.replace(/\/+$/, "")),
      BREAKGLASS_GRAPH_CLIENT_STATE: text()
        .min(16, "must be at least 16 characters")
        .max(128, "must be at most 128 characters")
        .optional(),
      AZURE_ARM_ENDPOINT: url(true).transform(trimSlash),
      GRAPH_ENDPOINT: url(true).transform(trimSlash),
      AZURE_AUTHORITY_HOST: url(true).transform(trimSlash),
      TASKHUB_NAME: text().regex(TASK_HUB, "must be 3-45 letters or digits, starting with a letter"),
    })
    .superRefine((env, ctx) => {
      checkFleet(env, ctx);
      const { BREAKGLASS_MIN_DURATION: min, BREAKGLASS_MAX_DURATION: max, BREAKGLASS_DEFAULT_DURATION: def } = env;
      // An emergency is hours, not days; longer timers would also need Durable's long-timer splitting.
      for (const name of ["BREAKGLASS_MAX_DURATION", "BREAKGLASS_APPROVAL_TIMEOUT"] as const) {
        if (env[name] > DAY_MS) ctx.addIssue({ code: "custom", path: [name], message: "must be at most P1D" });
      }
      if (min > max) {
        ctx.addIssue({
          code: "custom",
          path: ["BREAKGLASS_MIN_DURATION"],
          message: `must not exceed BREAKGLASS_MAX_DURATION (${formatIsoDuration(min)} > ${formatIsoDuration(max)})`,
        });
      } else if (def < min || def > max) {
        ctx.addIssue({
          code: "custom",
          path: ["BREAKGLASS_DEFAULT_DURATION"],
          message: `must lie between BREAKGLASS_MIN_DURATION and BREAKGLASS_MAX_DURATION (${formatIsoDuration(min)}..${formatIsoDuration(max)})`,
        });
      }
    });
}

/** Every setting the app reads (docs/design.md §5), for documentation checks. */
export const CONFIG_VARIABLES: readonly string[] = [
  "BREAKGLASS_MODE",
  ...Object.keys(schemaFor("azure").shape),
  ...STORAGE_VARIABLES,
];

/** Some clusters to manage; tagged ones are looked for in named subscriptions only (a tenant-wide search is not offered). */
function checkFleet(
  env: {
    BREAKGLASS_CLUSTERS: readonly ManagedCluster[];
    BREAKGLASS_CLUSTER_TAG?: ClusterTag | undefined;
    BREAKGLASS_SUBSCRIPTIONS: readonly string[];
  },
  ctx: z.RefinementCtx,
): void {
  if (env.BREAKGLASS_CLUSTERS.length === 0 && !env.BREAKGLASS_CLUSTER_TAG) {
    ctx.addIssue({
      code: "custom",
      path: ["BREAKGLASS_CLUSTERS"],
      message: "must list at least one AKS resource id, unless BREAKGLASS_CLUSTER_TAG finds the clusters",
    });
  }
  if (env.BREAKGLASS_CLUSTER_TAG && env.BREAKGLASS_SUBSCRIPTIONS.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["BREAKGLASS_SUBSCRIPTIONS"],
      message: "must name the subscriptions (GUIDs, comma separated) in which BREAKGLASS_CLUSTER_TAG finds clusters",
    });
  }
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, "");
}

/** Empty strings count as unset: App Settings and .env files often carry blank placeholders. */
function present(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string" && entry[1].trim() !== "",
    ),
  );
}

/** Parses the configuration from an environment (process.env in the app, a literal in tests). */
export function parseConfig(rawEnv: Env): Config {
  const env = present(rawEnv);
  const mode = env.BREAKGLASS_MODE?.trim();
  if (mode !== "azure" && mode !== "simulation") {
    throw new ConfigError([
      mode === undefined
        ? `BREAKGLASS_MODE: is required; set it to one of: ${MODES.join(", ")}`
        : `BREAKGLASS_MODE: must be one of: ${MODES.join(", ")} (got "${mode}")`,
    ]);
  }
  if (mode === "simulation" && env.WEBSITE_INSTANCE_ID) {
    throw new ConfigError([
      "BREAKGLASS_MODE: simulation is refused when hosted in Azure (WEBSITE_INSTANCE_ID is set); simulated clusters and directory would grant access to anyone — use azure",
    ]);
  }
  const { AzureWebJobsStorage: simulationStorage, ...simulationDefaults } = SIMULATION_DEFAULTS;
  const withDefaults: Record<string, string> = {
    ...CONFIG_DEFAULTS,
    ...(mode === "simulation" ? simulationDefaults : {}),
    // Clusters found by a tag need none listed.
    ...(env.BREAKGLASS_CLUSTER_TAG ? { BREAKGLASS_CLUSTERS: "" } : {}),
    ...env,
  };
  const parsed = schemaFor(mode).safeParse(withDefaults);
  const storage = parseStorage(env, mode, mode === "simulation" ? simulationStorage : undefined);
  if (!parsed.success || !("storage" in storage)) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((issue) => {
        const name = String(issue.path[0] ?? "configuration");
        return withDefaults[name] === undefined
          ? `${name}: is required when BREAKGLASS_MODE=${mode}`
          : `${name}: ${issue.message}`;
      }),
      ...storage.problems,
    ]);
  }
  const e = parsed.data;
  return {
    mode,
    tenantId: e.AZURE_TENANT_ID.toLowerCase(),
    clientId: e.AZURE_CLIENT_ID,
    apiAudience: e.BREAKGLASS_API_AUDIENCE,
    emergencyGroupId: e.BREAKGLASS_EMERGENCY_GROUP_ID.toLowerCase(),
    approverGroupId: e.BREAKGLASS_APPROVER_GROUP_ID.toLowerCase(),
    clusters: e.BREAKGLASS_CLUSTERS,
    fleet: { tag: e.BREAKGLASS_CLUSTER_TAG, subscriptions: e.BREAKGLASS_SUBSCRIPTIONS },
    policy: {
      minDurationMs: e.BREAKGLASS_MIN_DURATION,
      maxDurationMs: e.BREAKGLASS_MAX_DURATION,
      defaultDurationMs: e.BREAKGLASS_DEFAULT_DURATION,
      approvalTimeoutMs: e.BREAKGLASS_APPROVAL_TIMEOUT,
      requiredApprovals: e.BREAKGLASS_REQUIRED_APPROVALS,
    },
    rotateCertificates: e.BREAKGLASS_ROTATE_CERTIFICATES,
    driftAction: e.BREAKGLASS_DRIFT_ACTION,
    watchdogSchedule: e.BREAKGLASS_WATCHDOG_SCHEDULE,
    groupWatchSchedule: e.BREAKGLASS_GROUP_WATCH_SCHEDULE,
    readinessSchedule: e.BREAKGLASS_READINESS_SCHEDULE,
    evidence: e.BREAKGLASS_EVIDENCE === "on",
    groupMaxMembers: e.BREAKGLASS_GROUP_MAX_MEMBERS,
    teamsWebhookUrl: e.BREAKGLASS_TEAMS_WEBHOOK_URL,
    mailSender: e.BREAKGLASS_MAIL_SENDER,
    alertEmails: e.BREAKGLASS_ALERT_EMAILS,
    linkSigningKey: e.BREAKGLASS_LINK_SIGNING_KEY,
    publicBaseUrl: e.BREAKGLASS_PUBLIC_BASE_URL,
    graphClientState: e.BREAKGLASS_GRAPH_CLIENT_STATE,
    endpoints: endpointsOf(e),
    storage: storage.storage,
    taskHubName: e.TASKHUB_NAME,
  };
}

function endpointsOf(e: z.output<ReturnType<typeof schemaFor>>): Config["endpoints"] {
  return {
    arm: e.AZURE_ARM_ENDPOINT,
    graph: e.GRAPH_ENDPOINT,
    authority: e.AZURE_AUTHORITY_HOST,
    logs: e.BREAKGLASS_LOGS_ENDPOINT,
  };
}

let processConfig: Config | undefined;

/** The app's configuration, parsed from process.env on first use. */
export function loadConfig(): Config {
  processConfig ??= parseConfig(process.env);
  return processConfig;
}
