// Who the app is when it calls ARM, Microsoft Graph and (identity-based) storage: its managed identity when hosted in Azure
// (the user-assigned one named by AZURE_CLIENT_ID, if any), DefaultAzureCredential elsewhere
// (a developer's az login, environment variables, workload identity).
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";

export type { TokenCredential };

export interface CredentialSettings {
  readonly clientId: string | undefined;
  readonly authorityHost: string;
  /** The managed identity even where isHostedInAzure cannot tell (AzureWebJobsStorage__credential=managedidentity). */
  readonly managedIdentity?: boolean;
}

/** Whether the process runs in Azure App Service / Functions, where a managed identity endpoint exists. */
export function isHostedInAzure(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.WEBSITE_INSTANCE_ID || env.IDENTITY_ENDPOINT);
}

export function createCredential(
  settings: CredentialSettings,
  env: Readonly<Record<string, string | undefined>>,
): TokenCredential {
  if (settings.managedIdentity || isHostedInAzure(env)) {
    return settings.clientId
      ? new ManagedIdentityCredential({ clientId: settings.clientId })
      : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential({
    authorityHost: settings.authorityHost,
    ...(settings.clientId ? { managedIdentityClientId: settings.clientId } : {}),
  });
}

/** The token scope of a resource endpoint: https://management.azure.com → https://management.azure.com/.default */
export function scopeOf(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/.default`;
}

/** The Retry-After of a response, in milliseconds (seconds or an HTTP date), if it gave one. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
