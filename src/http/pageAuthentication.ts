// Who is looking at a page. Browsers carry no bearer token: in Azure, App Service Authentication
// signs the person in and forwards their ID token in X-MS-TOKEN-AAD-ID-TOKEN, which is validated
// like any Entra token (the unsigned X-MS-CLIENT-PRINCIPAL header is never read); in simulation,
// /api/dev/login leaves a session cookie holding a dev token. Anything invalid means signed out.
import type { HttpRequest } from "@azure/functions";
import type { Principal, VerifyToken } from "./authentication.js";

export const ID_TOKEN_HEADER = "x-ms-token-aad-id-token";

export interface PageAuthentication {
  signedIn(request: HttpRequest): Promise<Principal | undefined>;
  /** Where to send someone who is not signed in, to come back to `returnTo` (a path of this app). */
  signInLinks(returnTo: string): readonly { readonly label: string; readonly url: string }[];
}

/** Behind App Service Authentication (azure mode). */
export function appServiceAuthentication(verifyIdToken: VerifyToken): PageAuthentication {
  return {
    async signedIn(request) {
      const token = request.headers.get(ID_TOKEN_HEADER);
      return token ? verifyIdToken(token).catch(() => undefined) : undefined;
    },
    signInLinks: (returnTo) => [
      {
        label: "Sign in with Microsoft Entra ID",
        url: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(returnTo)}`,
      },
    ],
  };
}

/** The simulation's session cookie (simulation mode). */
export function devSessionAuthentication(
  verifyToken: VerifyToken,
  cookieName: string,
  users: readonly string[],
): PageAuthentication {
  return {
    async signedIn(request) {
      const token = readCookie(request.headers.get("cookie"), cookieName);
      return token ? verifyToken(token).catch(() => undefined) : undefined;
    },
    signInLinks: (returnTo) =>
      users.map((upn) => ({
        label: `Sign in as ${upn}`,
        url: `/api/dev/login?user=${encodeURIComponent(upn)}&returnTo=${encodeURIComponent(returnTo)}`,
      })),
  };
}

export function readCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) {
      try {
        return decodeURIComponent(value.join("="));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
