import { describe, expect, it } from "vitest";
import {
  SIMULATION_CLUSTER_IDS,
  SIMULATION_GROUPS,
  SIMULATION_TENANT_ID,
} from "../../../src/app/simulationDefaults.js";
import { ConfigError, parseConfig } from "../../../src/app/config.js";
import { HOUR_MS, MINUTE_MS } from "../../../src/domain/duration.js";

const TENANT = "11111111-2222-3333-4444-555555555555";
const CLUSTER =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-x/providers/Microsoft.ContainerService/managedClusters/aks-x";

/** A complete, valid azure-mode environment. */
const AZURE: Record<string, string> = {
  BREAKGLASS_MODE: "azure",
  AZURE_TENANT_ID: TENANT,
  BREAKGLASS_API_AUDIENCE: "api://breakglass",
  BREAKGLASS_EMERGENCY_GROUP_ID: "aaaaaaaa-0000-0000-0000-000000000001",
  BREAKGLASS_APPROVER_GROUP_ID: "aaaaaaaa-0000-0000-0000-000000000002",
  BREAKGLASS_CLUSTERS: CLUSTER,
  BREAKGLASS_LINK_SIGNING_KEY: "0123456789abcdef0123456789abcdef-secret",
  BREAKGLASS_PUBLIC_BASE_URL: "https://breakglass.contoso.com/",
  AzureWebJobsStorage: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=eA==;EndpointSuffix=core.windows.net",
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration defaults", () => {
  it("fills every documented default in azure mode", () => {
    const config = parseConfig(AZURE);
    expect(config.policy).toEqual({
      minDurationMs: 15 * MINUTE_MS,
      defaultDurationMs: HOUR_MS,
      maxDurationMs: 4 * HOUR_MS,
      approvalTimeoutMs: 30 * MINUTE_MS,
      requiredApprovals: 1,
    });
    expect(config.rotateCertificates).toBe("when-credentials-issued");
    expect(config.driftAction).toBe("relock");
    expect(config.watchdogSchedule).toBe("0 */1 * * * *");
    expect(config.groupWatchSchedule).toBe("0 */5 * * * *");
    expect(config.readinessSchedule).toBe("0 0 6 * * *");
    expect(config.groupMaxMembers).toBe(3);
    expect(config.endpoints).toEqual({
      arm: "https://management.azure.com",
      graph: "https://graph.microsoft.com",
      authority: "https://login.microsoftonline.com",
      logs: "https://api.loganalytics.io",
    });
    expect(config.evidence).toBe(true);
    expect(config.taskHubName).toBe("breakglass");
    expect(config.alertEmails).toEqual([]);
    expect(config.teamsWebhookUrl).toBeUndefined();
    expect(config.mailSender).toBeUndefined();
    expect(config.graphClientState).toBeUndefined();
    expect(config.clientId).toBeUndefined();
    expect(config.publicBaseUrl).toBe("https://breakglass.contoso.com");
    expect(config.clusters).toEqual([
      { id: CLUSTER, subscriptionId: "00000000-0000-0000-0000-0000000000aa", resourceGroup: "rg-x", name: "aks-x" },
    ]);
  });

  it("runs simulation mode with no other setting, on the fixtures", () => {
    const config = parseConfig({ BREAKGLASS_MODE: "simulation" });
    expect(config.mode).toBe("simulation");
    expect(config.tenantId).toBe(SIMULATION_TENANT_ID);
    expect(config.emergencyGroupId).toBe(SIMULATION_GROUPS.emergency.id);
    expect(config.approverGroupId).toBe(SIMULATION_GROUPS.approvers.id);
    expect(config.clusters.map((cluster) => cluster.id)).toEqual([...SIMULATION_CLUSTER_IDS]);
    expect(config.storage).toEqual({ kind: "connection-string", connectionString: "UseDevelopmentStorage=true" });
    expect(config.publicBaseUrl).toBe("http://localhost:7071");
  });

  it("takes explicit values over defaults and treats blank values as unset", () => {
    const config = parseConfig({
      ...AZURE,
      BREAKGLASS_MIN_DURATION: "PT5M",
      BREAKGLASS_DEFAULT_DURATION: "PT30M",
      BREAKGLASS_MAX_DURATION: "PT2H",
      BREAKGLASS_APPROVAL_TIMEOUT: "PT10M",
      BREAKGLASS_REQUIRED_APPROVALS: "2",
      BREAKGLASS_ROTATE_CERTIFICATES: "always",
      BREAKGLASS_DRIFT_ACTION: "alert",
      BREAKGLASS_ALERT_EMAILS: "sec@contoso.com, oncall@contoso.com",
      BREAKGLASS_TEAMS_WEBHOOK_URL: "https://prod.workflows.example/webhook",
      AZURE_CLIENT_ID: "bbbbbbbb-0000-0000-0000-000000000001",
      TASKHUB_NAME: "   ",
    });
    expect(config.policy).toMatchObject({
      minDurationMs: 5 * MINUTE_MS,
      defaultDurationMs: 30 * MINUTE_MS,
      requiredApprovals: 2,
    });
    expect(config.alertEmails).toEqual(["sec@contoso.com", "oncall@contoso.com"]);
    expect(config.taskHubName).toBe("breakglass");
  });

  it("accepts several clusters and matches their ids without regard to case later", () => {
    const second = CLUSTER.replace("aks-x", "aks-y");
    expect(parseConfig({ ...AZURE, BREAKGLASS_CLUSTERS: `${CLUSTER}, ${second}` }).clusters.map((c) => c.name)).toEqual(
      ["aks-x", "aks-y"],
    );
  });
});

describe("configuration errors name the variable and the rule", () => {
  it("requires BREAKGLASS_MODE and names the allowed values", () => {
    expect(problemsOf({})).toEqual(["BREAKGLASS_MODE: is required; set it to one of: azure, simulation"]);
    expect(problemsOf({ BREAKGLASS_MODE: "prod" })).toEqual([
      'BREAKGLASS_MODE: must be one of: azure, simulation (got "prod")',
    ]);
  });

  it("refuses simulation mode when hosted in Azure", () => {
    const [problem] = problemsOf({ BREAKGLASS_MODE: "simulation", WEBSITE_INSTANCE_ID: "abc123" });
    expect(problem).toMatch(
      /^BREAKGLASS_MODE: simulation is refused when hosted in Azure \(WEBSITE_INSTANCE_ID is set\)/,
    );
  });

  it("lists every setting azure mode requires, all at once", () => {
    expect(problemsOf({ BREAKGLASS_MODE: "azure" })).toEqual([
      "AZURE_TENANT_ID: is required when BREAKGLASS_MODE=azure",
      "BREAKGLASS_API_AUDIENCE: is required when BREAKGLASS_MODE=azure",
      "BREAKGLASS_EMERGENCY_GROUP_ID: is required when BREAKGLASS_MODE=azure",
      "BREAKGLASS_APPROVER_GROUP_ID: is required when BREAKGLASS_MODE=azure",
      "BREAKGLASS_CLUSTERS: is required when BREAKGLASS_MODE=azure",
      "BREAKGLASS_LINK_SIGNING_KEY: is required when BREAKGLASS_MODE=azure",
      "BREAKGLASS_PUBLIC_BASE_URL: is required when BREAKGLASS_MODE=azure",
      "AzureWebJobsStorage: is required when BREAKGLASS_MODE=azure, or identity-based storage instead: AzureWebJobsStorage__accountName (or AzureWebJobsStorage__tableServiceUri / AzureWebJobsStorage__queueServiceUri / AzureWebJobsStorage__blobServiceUri) with AzureWebJobsStorage__credential=managedidentity",
    ]);
  });

  const invalid: [string, string, RegExp][] = [
    ["AZURE_TENANT_ID", "contoso", /^AZURE_TENANT_ID: must be a GUID/],
    ["AZURE_CLIENT_ID", "not-a-guid", /^AZURE_CLIENT_ID: must be a GUID/],
    ["BREAKGLASS_EMERGENCY_GROUP_ID", "aks-emergency-admins", /^BREAKGLASS_EMERGENCY_GROUP_ID: must be a GUID/],
    ["BREAKGLASS_APPROVER_GROUP_ID", "123", /^BREAKGLASS_APPROVER_GROUP_ID: must be a GUID/],
    ["BREAKGLASS_CLUSTERS", "aks-prod", /^BREAKGLASS_CLUSTERS: "aks-prod" is not an AKS resource id/],
    [
      "BREAKGLASS_CLUSTERS",
      `${CLUSTER},${CLUSTER.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions")}`,
      /^BREAKGLASS_CLUSTERS: ".*" is listed twice/,
    ],
    [
      "BREAKGLASS_CLUSTERS",
      "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
      /^BREAKGLASS_CLUSTERS: .* is not an AKS resource id/,
    ],
    [
      "BREAKGLASS_MIN_DURATION",
      "15 minutes",
      /^BREAKGLASS_MIN_DURATION: must be a positive ISO-8601 duration such as PT15M \(got "15 minutes"\)/,
    ],
    ["BREAKGLASS_MAX_DURATION", "P1M", /^BREAKGLASS_MAX_DURATION: must be a positive ISO-8601 duration/],
    ["BREAKGLASS_MAX_DURATION", "P2D", /^BREAKGLASS_MAX_DURATION: must be at most P1D/],
    ["BREAKGLASS_DEFAULT_DURATION", "PT0S", /^BREAKGLASS_DEFAULT_DURATION: must be a positive ISO-8601 duration/],
    ["BREAKGLASS_APPROVAL_TIMEOUT", "30", /^BREAKGLASS_APPROVAL_TIMEOUT: must be a positive ISO-8601 duration/],
    ["BREAKGLASS_APPROVAL_TIMEOUT", "P3D", /^BREAKGLASS_APPROVAL_TIMEOUT: must be at most P1D/],
    ["BREAKGLASS_REQUIRED_APPROVALS", "0", /^BREAKGLASS_REQUIRED_APPROVALS: must be at least 1/],
    ["BREAKGLASS_REQUIRED_APPROVALS", "two", /^BREAKGLASS_REQUIRED_APPROVALS: must be a whole number from 1 to 10/],
    ["BREAKGLASS_REQUIRED_APPROVALS", "11", /^BREAKGLASS_REQUIRED_APPROVALS: must be at most 10/],
    [
      "BREAKGLASS_ROTATE_CERTIFICATES",
      "sometimes",
      /^BREAKGLASS_ROTATE_CERTIFICATES: must be one of: never, when-credentials-issued, always/,
    ],
    ["BREAKGLASS_DRIFT_ACTION", "ignore", /^BREAKGLASS_DRIFT_ACTION: must be one of: alert, relock/],
    [
      "BREAKGLASS_WATCHDOG_SCHEDULE",
      "*/1 * * * *",
      /^BREAKGLASS_WATCHDOG_SCHEDULE: must be a six-field NCRONTAB expression/,
    ],
    [
      "BREAKGLASS_GROUP_WATCH_SCHEDULE",
      "every 5 minutes please",
      /^BREAKGLASS_GROUP_WATCH_SCHEDULE: must be a six-field NCRONTAB expression/,
    ],
    [
      "BREAKGLASS_READINESS_SCHEDULE",
      "daily",
      /^BREAKGLASS_READINESS_SCHEDULE: must be a six-field NCRONTAB expression/,
    ],
    [
      "BREAKGLASS_WATCHDOG_SCHEDULE",
      "0 0 25 * * *",
      /^BREAKGLASS_WATCHDOG_SCHEDULE: must be a six-field NCRONTAB expression/,
    ],
    ["BREAKGLASS_GROUP_MAX_MEMBERS", "-1", /^BREAKGLASS_GROUP_MAX_MEMBERS: must be a whole number/],
    [
      "BREAKGLASS_TEAMS_WEBHOOK_URL",
      "http://hooks.example/x",
      /^BREAKGLASS_TEAMS_WEBHOOK_URL: must be an https:\/\/ URL/,
    ],
    [
      "BREAKGLASS_ALERT_EMAILS",
      "sec@contoso.com, not-an-email",
      /^BREAKGLASS_ALERT_EMAILS: must be a comma-separated list of email addresses/,
    ],
    ["BREAKGLASS_LINK_SIGNING_KEY", "short", /^BREAKGLASS_LINK_SIGNING_KEY: must be at least 32 characters/],
    [
      "BREAKGLASS_PUBLIC_BASE_URL",
      "http://breakglass.contoso.com",
      /^BREAKGLASS_PUBLIC_BASE_URL: must be an https:\/\/ URL/,
    ],
    ["BREAKGLASS_GRAPH_CLIENT_STATE", "tiny", /^BREAKGLASS_GRAPH_CLIENT_STATE: must be at least 16 characters/],
    ["AZURE_ARM_ENDPOINT", "management.azure.com", /^AZURE_ARM_ENDPOINT: must be an https:\/\/ URL/],
    ["GRAPH_ENDPOINT", "ftp://graph", /^GRAPH_ENDPOINT: must be an https:\/\/ URL/],
    ["AZURE_AUTHORITY_HOST", "http://login.microsoftonline.com", /^AZURE_AUTHORITY_HOST: must be an https:\/\/ URL/],
    ["TASKHUB_NAME", "break-glass", /^TASKHUB_NAME: must be 3-45 letters or digits, starting with a letter/],
  ];
  it.each(invalid)("%s=%s is refused", (name, value, message) => {
    const problems = problemsOf({ ...AZURE, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it("checks that the durations are ordered", () => {
    expect(problemsOf({ ...AZURE, BREAKGLASS_MIN_DURATION: "PT5H" })).toEqual([
      "BREAKGLASS_MIN_DURATION: must not exceed BREAKGLASS_MAX_DURATION (PT5H > PT4H)",
    ]);
    expect(problemsOf({ ...AZURE, BREAKGLASS_DEFAULT_DURATION: "PT10M" })).toEqual([
      "BREAKGLASS_DEFAULT_DURATION: must lie between BREAKGLASS_MIN_DURATION and BREAKGLASS_MAX_DURATION (PT15M..PT4H)",
    ]);
  });

  it("reports several problems in one error", () => {
    const error = (() => {
      try {
        parseConfig({ ...AZURE, AZURE_TENANT_ID: "x", BREAKGLASS_DRIFT_ACTION: "y" });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error("expected an error");
    })();
    expect(error.message).toContain("AZURE_TENANT_ID:");
    expect(error.message).toContain("BREAKGLASS_DRIFT_ACTION:");
  });

  it("allows plain http for the public URL in simulation mode only", () => {
    expect(
      parseConfig({ BREAKGLASS_MODE: "simulation", BREAKGLASS_PUBLIC_BASE_URL: "http://127.0.0.1:7071" }).publicBaseUrl,
    ).toBe("http://127.0.0.1:7071");
  });
});

/** Azure mode without storage: each test below adds the storage settings it is about (blank counts as unset). */
const BASE: Record<string, string> = { ...AZURE, AzureWebJobsStorage: "" };
const CONNECTION = "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=eA==;EndpointSuffix=core.windows.net";
const IDENTITY_ID = "c1e70000-0000-4000-8000-000000000001";
const URIS = {
  AzureWebJobsStorage__tableServiceUri: "https://acct.table.core.usgovcloudapi.net/",
  AzureWebJobsStorage__queueServiceUri: "https://acct.queue.core.usgovcloudapi.net",
  AzureWebJobsStorage__blobServiceUri: "https://acct.blob.core.usgovcloudapi.net",
};

describe("storage settings: a connection string or identity-based storage, exactly one", () => {
  it("keeps taking a connection string", () => {
    expect(parseConfig({ ...BASE, AzureWebJobsStorage: CONNECTION }).storage).toEqual({
      kind: "connection-string",
      connectionString: CONNECTION,
    });
  });

  it("takes an account name with the managed identity, as the Functions host does", () => {
    const config = parseConfig({
      ...BASE,
      AzureWebJobsStorage__accountName: "stbreakglass01",
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: IDENTITY_ID,
    });
    expect(config.storage).toEqual({
      kind: "identity",
      tableServiceUri: "https://stbreakglass01.table.core.windows.net",
      managedIdentity: true,
      clientId: IDENTITY_ID,
    });
  });

  it("takes the three service URIs instead (sovereign clouds, emulators), the table one for the app's tables", () => {
    expect(parseConfig({ ...BASE, ...URIS }).storage).toEqual({
      kind: "identity",
      tableServiceUri: "https://acct.table.core.usgovcloudapi.net",
      managedIdentity: false,
      clientId: undefined,
    });
  });

  it("in simulation mode, identity settings replace Azurite's default connection string", () => {
    const config = parseConfig({ BREAKGLASS_MODE: "simulation", ...URIS });
    expect(config.storage.kind).toBe("identity");
  });

  const mistakes: [string, Record<string, string>, string[]][] = [
    [
      "both forms",
      { AzureWebJobsStorage: CONNECTION, AzureWebJobsStorage__accountName: "stbreakglass01" },
      [
        "AzureWebJobsStorage: give either a connection string or identity-based storage (AzureWebJobsStorage__accountName or the service URIs), not both",
      ],
    ],
    [
      "another credential",
      { AzureWebJobsStorage__accountName: "stbreakglass01", AzureWebJobsStorage__credential: "clientsecret" },
      [
        "AzureWebJobsStorage__credential: must be managedidentity (the only credential the Functions host and the app both take), or unset",
      ],
    ],
    [
      "an http service URI",
      { ...URIS, AzureWebJobsStorage__tableServiceUri: "http://127.0.0.1:10002/devstoreaccount1" },
      ["AzureWebJobsStorage__tableServiceUri: must be an https:// URL (a bearer token is never sent over plain HTTP)"],
    ],
    [
      "an account name that is none",
      { AzureWebJobsStorage__accountName: "St-Breakglass" },
      ["AzureWebJobsStorage__accountName: must be a storage account name: 3 to 24 lowercase letters and digits"],
    ],
    [
      "a client id that is no GUID",
      { AzureWebJobsStorage__accountName: "stbreakglass01", AzureWebJobsStorage__clientId: "breakglass-identity" },
      ["AzureWebJobsStorage__clientId: must be a GUID (the managed identity's client id)"],
    ],
    [
      "the account name and URIs",
      { ...URIS, AzureWebJobsStorage__accountName: "stbreakglass01" },
      ["AzureWebJobsStorage__accountName: give the account name or the three service URIs, not both"],
    ],
    [
      "one service URI alone",
      { AzureWebJobsStorage__tableServiceUri: URIS.AzureWebJobsStorage__tableServiceUri },
      [
        "AzureWebJobsStorage__queueServiceUri: is required with AzureWebJobsStorage__tableServiceUri (the Functions host needs all three services)",
        "AzureWebJobsStorage__blobServiceUri: is required with AzureWebJobsStorage__tableServiceUri (the Functions host needs all three services)",
      ],
    ],
    [
      "a credential with a connection string",
      { AzureWebJobsStorage: CONNECTION, AzureWebJobsStorage__credential: "managedidentity" },
      [
        "AzureWebJobsStorage__credential: applies only with AzureWebJobsStorage__accountName or AzureWebJobsStorage__tableServiceUri / AzureWebJobsStorage__queueServiceUri / AzureWebJobsStorage__blobServiceUri",
      ],
    ],
  ];

  it.each(mistakes)("refuses %s, naming the variable", (_, storage, problems) => {
    expect(problemsOf({ ...BASE, ...storage })).toEqual(problems);
  });
});
