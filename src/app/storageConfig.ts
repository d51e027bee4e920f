// Where the app's tables live: a connection string (AzureWebJobsStorage), or identity-based
// storage under the Functions host's own setting names, so that one set of App Settings serves
// the host (its queues, blobs and task hub) and the app's tables alike, and no shared key is needed.
import { z } from "zod";

export type StorageConfig =
  | { readonly kind: "connection-string"; readonly connectionString: string }
  | {
      readonly kind: "identity";
      readonly tableServiceUri: string;
      /** AzureWebJobsStorage__credential=managedidentity: always the managed identity, as the host does. */
      readonly managedIdentity: boolean;
      /** The user-assigned identity for storage (AzureWebJobsStorage__clientId), when it is named. */
      readonly clientId: string | undefined;
    };

const CONNECTION_STRING = "AzureWebJobsStorage";
const ACCOUNT_NAME = "AzureWebJobsStorage__accountName";
const SERVICE_URIS = [
  "AzureWebJobsStorage__tableServiceUri",
  "AzureWebJobsStorage__queueServiceUri",
  "AzureWebJobsStorage__blobServiceUri",
] as const;
const CREDENTIAL = "AzureWebJobsStorage__credential";
const CLIENT_ID = "AzureWebJobsStorage__clientId";
const LOCATIONS = [ACCOUNT_NAME, ...SERVICE_URIS] as const;

/** The storage settings, in the order the README lists them. */
export const STORAGE_VARIABLES: readonly string[] = [CONNECTION_STRING, ...LOCATIONS, CREDENTIAL, CLIENT_ID];

const httpsUri = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && new URL(value).protocol === "https:", {
    // Bearer tokens go over TLS only: the storage SDK refuses to send one to an http:// endpoint.
    message: "must be an https:// URL (a bearer token is never sent over plain HTTP)",
  })
  .transform((value) => value.replace(/\/+$/, ""))
  .optional();

const FIELDS = z.object({
  [ACCOUNT_NAME]: z
    .string()
    .trim()
    .regex(/^[a-z0-9]{3,24}$/, "must be a storage account name: 3 to 24 lowercase letters and digits")
    .optional(),
  [SERVICE_URIS[0]]: httpsUri,
  [SERVICE_URIS[1]]: httpsUri,
  [SERVICE_URIS[2]]: httpsUri,
  [CREDENTIAL]: z
    .string()
    .trim()
    .refine((value) => value.toLowerCase() === "managedidentity", {
      message: "must be managedidentity (the only credential the Functions host and the app both take), or unset",
    })
    .optional(),
  [CLIENT_ID]: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i, "must be a GUID (the managed identity's client id)")
    .optional(),
});

/** Whether the environment asks for identity-based storage (then no default connection string applies). */
export function usesIdentityStorage(env: Readonly<Record<string, string | undefined>>): boolean {
  return [...LOCATIONS, CREDENTIAL, CLIENT_ID].some((name) => env[name] !== undefined);
}

/** The settings' combination errors, each naming the variable to fix. */
function combinationProblems(env: Readonly<Record<string, string>>, mode: string): string[] {
  const given = (name: string) => env[name] !== undefined;
  const uris = SERVICE_URIS.filter(given);
  const identity = given(ACCOUNT_NAME) || uris.length > 0;
  if (given(CONNECTION_STRING) && identity) {
    return [
      `${CONNECTION_STRING}: give either a connection string or identity-based storage (${ACCOUNT_NAME} or the service URIs), not both`,
    ];
  }
  if (!identity) {
    const stray = [CREDENTIAL, CLIENT_ID].filter(given);
    if (stray.length > 0)
      return stray.map((name) => `${name}: applies only with ${ACCOUNT_NAME} or ${SERVICE_URIS.join(" / ")}`);
    if (given(CONNECTION_STRING)) return [];
    return [
      `${CONNECTION_STRING}: is required when BREAKGLASS_MODE=${mode}, or identity-based storage instead: ${ACCOUNT_NAME} (or ${SERVICE_URIS.join(" / ")}) with ${CREDENTIAL}=managedidentity`,
    ];
  }
  if (given(ACCOUNT_NAME) && uris.length > 0)
    return [`${ACCOUNT_NAME}: give the account name or the three service URIs, not both`];
  if (uris.length > 0 && uris.length < SERVICE_URIS.length) {
    // The Functions host reaches its queues and blobs with the same settings: one URI alone would start the app and stall the host.
    return SERVICE_URIS.filter((name) => !given(name)).map(
      (name) => `${name}: is required with ${uris.join(" and ")} (the Functions host needs all three services)`,
    );
  }
  return [];
}

/**
 * The storage configuration of an environment whose blank values are already dropped, or every
 * problem with it. `defaultConnectionString` applies when nothing is given (simulation's Azurite).
 */
export function parseStorage(
  env: Readonly<Record<string, string>>,
  mode: string,
  defaultConnectionString?: string,
): { readonly storage: StorageConfig; readonly problems: readonly [] } | { readonly problems: readonly string[] } {
  const withDefault =
    defaultConnectionString === undefined || usesIdentityStorage(env) || env[CONNECTION_STRING] !== undefined
      ? env
      : { ...env, [CONNECTION_STRING]: defaultConnectionString };
  const parsed = FIELDS.safeParse(withDefault);
  const problems = [
    ...(parsed.error?.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`) ?? []),
    ...combinationProblems(withDefault, mode),
  ];
  if (!parsed.success || problems.length > 0) return { problems };
  const values = parsed.data;
  const connectionString = withDefault[CONNECTION_STRING];
  if (connectionString !== undefined)
    return { storage: { kind: "connection-string", connectionString: connectionString.trim() }, problems: [] };
  const accountName = values[ACCOUNT_NAME];
  return {
    storage: {
      kind: "identity",
      tableServiceUri: accountName ? `https://${accountName}.table.core.windows.net` : values[SERVICE_URIS[0]]!,
      managedIdentity: values[CREDENTIAL] !== undefined,
      clientId: values[CLIENT_ID],
    },
    problems: [],
  };
}
