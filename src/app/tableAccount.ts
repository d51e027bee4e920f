// The storage account as the table adapters reach it, from the parsed storage settings. Apart from
// composition.ts because the offline host needs it before @azure/functions may load (composition
// loads it), and apart from the configuration so that parsing settings loads no SDK.
import { lazyCredential } from "../adapters/azure/lazyCredential.js";
import type { TableAccount } from "../adapters/azure/tables.js";
import type { StorageConfig } from "./storageConfig.js";

/**
 * The account as the table adapters reach it. Identity-based storage authenticates as
 * AzureWebJobsStorage__clientId, else as the app's own identity (`appClientId`, AZURE_CLIENT_ID).
 */
export function tableAccountOf(
  storage: StorageConfig,
  app: { readonly clientId: string | undefined; readonly authorityHost: string },
  env: Readonly<Record<string, string | undefined>> = process.env,
): TableAccount {
  if (storage.kind === "connection-string") return { connectionString: storage.connectionString };
  const credential = lazyCredential(
    {
      clientId: storage.clientId ?? app.clientId,
      authorityHost: app.authorityHost,
      managedIdentity: storage.managedIdentity,
    },
    env,
  );
  return { tableServiceUri: storage.tableServiceUri, credential };
}
