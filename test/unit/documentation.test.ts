// The README and local.settings.sample.json must stay in step with the configuration schema.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, parseConfig } from "../../src/app/config.js";

const root = resolve(import.meta.dirname, "../..");
const readme = readFileSync(resolve(root, "README.md"), "utf8");
const sample = JSON.parse(readFileSync(resolve(root, "local.settings.sample.json"), "utf8")) as {
  Values: Record<string, string>;
};

/** The configuration contract (docs/design.md §5): the settings the product reads. */
const DOCUMENTED_VARIABLES = [
  "BREAKGLASS_MODE",
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "BREAKGLASS_API_AUDIENCE",
  "BREAKGLASS_EMERGENCY_GROUP_ID",
  "BREAKGLASS_APPROVER_GROUP_ID",
  "BREAKGLASS_CLUSTERS",
  "BREAKGLASS_CLUSTER_TAG",
  "BREAKGLASS_SUBSCRIPTIONS",
  "BREAKGLASS_MIN_DURATION",
  "BREAKGLASS_MAX_DURATION",
  "BREAKGLASS_DEFAULT_DURATION",
  "BREAKGLASS_APPROVAL_TIMEOUT",
  "BREAKGLASS_REQUIRED_APPROVALS",
  "BREAKGLASS_ROTATE_CERTIFICATES",
  "BREAKGLASS_DRIFT_ACTION",
  "BREAKGLASS_WATCHDOG_SCHEDULE",
  "BREAKGLASS_GROUP_WATCH_SCHEDULE",
  "BREAKGLASS_READINESS_SCHEDULE",
  "BREAKGLASS_GROUP_MAX_MEMBERS",
  "BREAKGLASS_EVIDENCE",
  "BREAKGLASS_TEAMS_WEBHOOK_URL",
  "BREAKGLASS_MAIL_SENDER",
  "BREAKGLASS_ALERT_EMAILS",
  "BREAKGLASS_LINK_SIGNING_KEY",
  "BREAKGLASS_PUBLIC_BASE_URL",
  "BREAKGLASS_GRAPH_CLIENT_STATE",
  "AZURE_ARM_ENDPOINT",
  "GRAPH_ENDPOINT",
  "AZURE_AUTHORITY_HOST",
  "BREAKGLASS_LOGS_ENDPOINT",
  "AzureWebJobsStorage",
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__tableServiceUri",
  "AzureWebJobsStorage__queueServiceUri",
  "AzureWebJobsStorage__blobServiceUri",
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "TASKHUB_NAME",
];

describe("documentation of the configuration", () => {
  it("the schema reads exactly the settings of docs/design.md §5", () => {
    expect([...CONFIG_VARIABLES].sort()).toEqual([...DOCUMENTED_VARIABLES].sort());
  });

  it.each(DOCUMENTED_VARIABLES)("%s has a line in local.settings.sample.json and in the README table", (name) => {
    expect(sample.Values).toHaveProperty(name);
    expect(readme).toContain(`| \`${name}\` |`);
  });

  it("the sample is a valid simulation configuration", () => {
    expect(parseConfig(sample.Values).mode).toBe("simulation");
  });

  it("the README names the three commands", () => {
    for (const command of ["npm install", "npm start", "npm test"]) expect(readme).toContain(command);
  });
});
