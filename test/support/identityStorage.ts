// Storage reached with a managed identity and no shared key: an Azurite of its own that serves
// HTTPS (the run's certificate) and accepts only bearer tokens it can check in `--oauth basic`,
// and the loopback managed identity endpoint that issues them. `env` is what App Service would
// give the app: the identity endpoint and the Functions host's identity-based storage settings.
import { inject } from "vitest";
import { startAzurite, type RunningAzurite } from "../../dev/azurite.js";
import { FakeManagedIdentity } from "./fakes/fakeManagedIdentity.js";

export const STORAGE_IDENTITY_CLIENT_ID = "c1e70000-0000-4000-8000-0000000000c1";

export interface IdentityStorage {
  readonly azurite: RunningAzurite;
  readonly identity: FakeManagedIdentity;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startIdentityStorage(tenantId: string): Promise<IdentityStorage> {
  const [azurite, identity] = await Promise.all([
    startAzurite({ tls: inject("tls"), oauth: true }),
    new FakeManagedIdentity(tenantId).start(),
  ]);
  return {
    azurite,
    identity,
    env: {
      ...identity.env,
      AzureWebJobsStorage__tableServiceUri: azurite.serviceUris.table,
      AzureWebJobsStorage__queueServiceUri: azurite.serviceUris.queue,
      AzureWebJobsStorage__blobServiceUri: azurite.serviceUris.blob,
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: STORAGE_IDENTITY_CLIENT_ID,
    },
    async stop() {
      await Promise.all([azurite.stop(), identity.stop()]);
    },
  };
}
