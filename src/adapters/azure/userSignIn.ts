// How a person running `breakglass` signs in, in azure mode: the Azure CLI's sign-in when there is one
// (nothing to type, and the tenant's policies already applied by `az login`), otherwise the device code
// flow, which works over SSH and on a jump host without a browser.
import { AzureAuthorityHosts, AzureCliCredential, DeviceCodeCredential, type TokenCredential } from "@azure/identity";
import { SignInUnavailable } from "../../ports/errors.js";
import type { AccessToken, SignIn } from "../../ports/signIn.js";

export interface UserSignInOptions {
  readonly tenantId?: string;
  /** The public client the device code flow signs in to; @azure/identity's default (the Azure CLI's) when absent. */
  readonly clientId?: string;
  /** Shows the device code instructions ("To sign in, use a web browser to open … and enter the code …"). */
  readonly prompt: (message: string) => void;
}

export const NOT_SIGNED_IN = "not signed in: run `az login` (or let the device code sign-in finish) and try again";

export function createUserSignIn(options: UserSignInOptions): SignIn {
  let credentials: Credentials | undefined;
  return {
    async token(scope) {
      try {
        credentials ??= createCredentials(options);
      } catch (error) {
        // The credentials check the tenant id when they are made; the caller learns it here, as a sign-in failure.
        throw new SignInUnavailable(`"${options.tenantId}" is not a tenant id: set the directory's id or domain name`, {
          cause: error,
        });
      }
      try {
        return await tokenOf(credentials.azureCli, scope);
      } catch {
        // AzureCliCredential reports every failure as unavailable (not installed, not logged in, no consent):
        // the device code flow is the next way in.
      }
      try {
        return await tokenOf(credentials.deviceCode, scope);
      } catch (error) {
        throw new SignInUnavailable(NOT_SIGNED_IN, { cause: error });
      }
    },
  };
}

interface Credentials {
  readonly azureCli: TokenCredential;
  readonly deviceCode: TokenCredential;
}

function createCredentials(options: UserSignInOptions): Credentials {
  return {
    azureCli: new AzureCliCredential(options.tenantId ? { tenantId: options.tenantId } : {}),
    deviceCode: new DeviceCodeCredential({
      ...(options.tenantId ? { tenantId: options.tenantId } : {}),
      ...(options.clientId ? { clientId: options.clientId } : {}),
      userPromptCallback: (info) => options.prompt(info.message),
      // Instance discovery asks login.microsoftonline.com about the authority: right for Microsoft's
      // clouds, a failure (and a leak of the host's name) for a private authority.
      disableInstanceDiscovery: !isWellKnownAuthority(process.env.AZURE_AUTHORITY_HOST),
    }),
  };
}

async function tokenOf(credential: TokenCredential, scope: string): Promise<AccessToken> {
  const result = await credential.getToken(scope);
  // TokenCredential's type allows null; neither credential here returns it, but a null is no token.
  if (!result) throw new Error("the credential returned no token");
  return { token: result.token, expiresAt: new Date(result.expiresOnTimestamp) };
}

/** Whether the authority host (AZURE_AUTHORITY_HOST, as @azure/identity reads it) is one of Microsoft's clouds. */
export function isWellKnownAuthority(authorityHost: string | undefined): boolean {
  if (!authorityHost) return true;
  const host = hostOf(authorityHost);
  return Object.values(AzureAuthorityHosts).some((known) => hostOf(known) === host);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}
