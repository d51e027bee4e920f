// Identity-based storage under the Functions host's setting names, or a connection string: exactly one.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../src/app/config.js";

const BASE: Record<string, string> = {
  BREAKGLASS_MODE: "azure",
  AZURE_TENANT_ID: "11111111-2222-3333-4444-555555555555",
  BREAKGLASS_API_AUDIENCE: "api://breakglass",
  BREAKGLASS_EMERGENCY_GROUP_ID: "aaaaaaaa-0000-0000-0000-000000000001",
  BREAKGLASS_APPROVER_GROUP_ID: "aaaaaaaa-0000-0000-0000-000000000002",
  BREAKGLASS_CLUSTERS:
    "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-x/providers/Microsoft.ContainerService/managedClusters/aks-x",
  BREAKGLASS_LINK_SIGNING_KEY: "0123456789abcdef0123456789abcdef-secret",
  BREAKGLASS_PUBLIC_BASE_URL: "https://breakglass.contoso.com",
};
const CONNECTION = "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=eA==;EndpointSuffix=core.windows.net";
const IDENTITY_ID = "c1e70000-0000-4000-8000-000000000001";
const URIS = {
  AzureWebJobsStorage__tableServiceUri: "https://acct.table.core.usgovcloudapi.net/",
  AzureWebJobsStorage__queueServiceUri: "https://acct.queue.core.usgovcloudapi.net",
  AzureWebJobsStorage__blobServiceUri: "https://acct.blob.core.usgovcloudapi.net",
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("storage settings", () => {
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
