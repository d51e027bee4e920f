// The function app's settings in infra/azuredeploy.json are exactly what the app reads in azure
// mode (src/app/config.ts), so a new setting without its template line fails here; plus the hosting
// properties the design asks for and the host.json polling that makes deadlines prompt.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_DEFAULTS, CONFIG_VARIABLES } from "../../../src/app/config.js";
import { readJson, ROOT, type Resource, type Template } from "./armTemplate.js";

const template = readJson<Template>("infra/azuredeploy.json");
const host = readJson<{
  extensionBundle: { version: string };
  extensions: { durableTask: { hubName: string; storageProvider: Record<string, string> } };
}>("host.json");

/** The one resource of a type, or of a child type whose name's last segment is `child`. */
function resource(type: string, child?: string): Resource {
  const found = template.resources.find(
    (item) => item.type === type && (child === undefined || item.name.includes(`}/${child}'`)),
  );
  if (!found) throw new Error(`the template declares no ${type} ${child ?? ""}`);
  return found;
}

const appSettings = resource("Microsoft.Web/sites/config", "appsettings").properties as Record<string, string>;

/**
 * The storage forms the template does not use: the connection string (a shared key has no place in
 * Azure) and the account name (its endpoints would be the public cloud's; the template gives the
 * account's own service URIs, right in every cloud).
 */
const OTHER_STORAGE_FORMS = ["AzureWebJobsStorage", "AzureWebJobsStorage__accountName"];

/** Left to the app's defaults (each has one in CONFIG_DEFAULTS): policy the operator tunes in App Settings later. */
const LEFT_TO_APP_DEFAULTS = [
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
  "GRAPH_ENDPOINT", // environment() knows no Microsoft Graph endpoint; the default is the public cloud's
  "BREAKGLASS_LOGS_ENDPOINT", // nor the Log Analytics query API's
];

/** Read by the platform, not the app: telemetry without an instrumentation key, and the auth's federated credential. */
const PLATFORM_SETTINGS = [
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
  "OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID",
];

describe("the function app's settings", () => {
  it("are exactly the config schema's azure-mode settings (storage by identity) and the platform's", () => {
    const expected = new Set([...CONFIG_VARIABLES, ...PLATFORM_SETTINGS]);
    for (const name of [...LEFT_TO_APP_DEFAULTS, ...OTHER_STORAGE_FORMS]) expected.delete(name);
    expect(Object.keys(appSettings).sort()).toEqual([...expected].sort());
  });

  it("leave out only settings the app has a default for", () => {
    expect(LEFT_TO_APP_DEFAULTS.filter((name) => !(name in CONFIG_DEFAULTS))).toEqual([]);
  });

  it("run the app in azure mode on storage reached by the managed identity", () => {
    expect(appSettings).toMatchObject({ BREAKGLASS_MODE: "azure", AzureWebJobsStorage__credential: "managedidentity" });
    expect(appSettings.AzureWebJobsStorage__clientId).toBe(appSettings.AZURE_CLIENT_ID);
    expect(appSettings.TASKHUB_NAME).toBe("[variables('taskHubName')]"); // host.json's %TASKHUB_NAME% resolves
  });
});

describe("the hosting", () => {
  const site = resource("Microsoft.Web/sites");

  it("is Flex Consumption on Linux, Node 22, an always-ready durable instance, HTTPS and TLS 1.2 only, no FTP", () => {
    expect(resource("Microsoft.Web/serverfarms").sku).toEqual({ name: "FC1", tier: "FlexConsumption" });
    expect(site.kind).toBe("functionapp,linux");
    expect(site.properties).toMatchObject({
      httpsOnly: true,
      siteConfig: { minTlsVersion: "1.2", ftpsState: "Disabled" },
      functionAppConfig: {
        runtime: { name: "node", version: "22" },
        scaleAndConcurrency: { alwaysReady: [{ name: "durable", instanceCount: 1 }] },
        deployment: { storage: { authentication: { type: "UserAssignedIdentity" } } },
      },
    });
    expect(resource("Microsoft.Web/sites/basicPublishingCredentialsPolicies", "ftp").properties).toEqual({
      allow: false,
    });
  });

  it("uses one user-assigned identity and no system-assigned one", () => {
    expect((site.identity as { type: string }).type).toBe("UserAssigned");
    const identities = template.resources.filter(
      (item) => item.type === "Microsoft.ManagedIdentity/userAssignedIdentities",
    );
    expect(identities).toHaveLength(1);
  });

  it("signs people in to the pages with the token store on, and lets bearer-token API calls through to the app", () => {
    expect(resource("Microsoft.Web/sites/config", "authsettingsV2").properties).toMatchObject({
      platform: { enabled: true },
      globalValidation: { requireAuthentication: false, unauthenticatedClientAction: "AllowAnonymous" },
      login: { tokenStore: { enabled: true } },
      identityProviders: {
        azureActiveDirectory: { registration: { clientSecretSettingName: "OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID" } },
      },
    });
  });
});

describe("host.json", () => {
  it("polls the Durable queues at least every 2 seconds, so a deadline is acted on within seconds", () => {
    const [hours, minutes, seconds] = host.extensions.durableTask.storageProvider
      .maxQueuePollingInterval!.split(":")
      .map(Number);
    expect(hours! * 3600 + minutes! * 60 + seconds!).toBeLessThanOrEqual(2);
  });

  it("polls at the interval the README's latency and cost figures are computed for", () => {
    const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
    const section = readme.split("### How fast a deadline is acted on")[1]!.split(/\n#/)[0]!;
    expect(section).toContain(`sets it to \`${host.extensions.durableTask.storageProvider.maxQueuePollingInterval}\``);
  });

  it("connects Durable through the AzureWebJobsStorage connection (identity-based or a connection string)", () => {
    expect(host.extensions.durableTask.storageProvider).toMatchObject({ connectionName: "AzureWebJobsStorage" });
    expect(host.extensions.durableTask.hubName).toBe("%TASKHUB_NAME%");
    expect(host.extensionBundle.version).toBe("[4.*, 5.0.0)");
  });
});
