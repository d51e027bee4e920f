// A credential that loads @azure/identity with its first token rather than with the module that
// creates it: the simulation's storage never asks for one, and in Azure the first request pays for
// it, not the start (docs/design.md §13).
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type { CredentialSettings } from "./credentials.js";

export function lazyCredential(
  settings: CredentialSettings,
  env: Readonly<Record<string, string | undefined>>,
): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      // A load that failed is tried again by the next token, not kept for the life of the process.
      credential ??= import("./credentials.js")
        .then(({ createCredential }) => createCredential(settings, env))
        .catch((error: unknown) => {
          credential = undefined;
          throw error;
        });
      return credential.then((loaded) => loaded.getToken(scopes, options));
    },
  };
}
