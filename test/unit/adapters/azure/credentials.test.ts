import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import {
  createCredential,
  isHostedInAzure,
  retryAfterMs,
  scopeOf,
} from "../../../../src/adapters/azure/credentials.js";

describe("credentials", () => {
  const settings = {
    clientId: "11111111-0000-4000-8000-000000000001",
    authorityHost: "https://login.microsoftonline.us",
  };

  it("use the managed identity when hosted in Azure (the user-assigned one when named)", () => {
    expect(isHostedInAzure({ WEBSITE_INSTANCE_ID: "abc" })).toBe(true);
    expect(isHostedInAzure({ IDENTITY_ENDPOINT: "http://localhost:8081/msi/token" })).toBe(true);
    expect(createCredential(settings, { WEBSITE_INSTANCE_ID: "abc" })).toBeInstanceOf(ManagedIdentityCredential);
    expect(createCredential({ ...settings, clientId: undefined }, { WEBSITE_INSTANCE_ID: "abc" })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
  });

  it("use DefaultAzureCredential elsewhere", () => {
    expect(isHostedInAzure({})).toBe(false);
    expect(createCredential(settings, {})).toBeInstanceOf(DefaultAzureCredential);
  });

  it("ask for tokens scoped to the configured endpoint, so sovereign clouds and loopback work", () => {
    expect(scopeOf("https://management.azure.com")).toBe("https://management.azure.com/.default");
    expect(scopeOf("https://management.chinacloudapi.cn/")).toBe("https://management.chinacloudapi.cn/.default");
    expect(scopeOf("https://microsoftgraph.chinacloudapi.cn")).toBe("https://microsoftgraph.chinacloudapi.cn/.default");
  });

  it("read Retry-After in seconds or as a date", () => {
    const now = Date.parse("2026-11-28T10:00:00Z");
    expect(retryAfterMs("30", now)).toBe(30_000);
    expect(retryAfterMs("Sat, 28 Nov 2026 10:00:05 GMT", now)).toBe(5_000);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});
