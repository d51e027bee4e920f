// Who is looking at a console page: the signed-in person (App Service Authentication, or the
// simulation's cookie) and what the directory says of them now.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { lookUpMember, type Member } from "../../access/membership.js";
import type { ApiDependencies } from "../apiAccess.js";
import type { Principal } from "../authentication.js";
import type { PageAuthentication } from "../pageAuthentication.js";
import { messagePage } from "../pages.js";
import type { ConsoleTokens } from "./tokens.js";

export const CONSOLE_PATH = "/api/console";

export interface ConsoleDependencies extends ApiDependencies {
  readonly pages: PageAuthentication;
  readonly tokens: ConsoleTokens;
}

/** The person looking, as the directory knows them now. */
export interface Viewer {
  readonly principal: Principal;
  readonly member: Member;
}

/** Either the page to answer with (signed out), or the signed-in viewer. */
export type ViewerGate =
  | { readonly page: HttpResponseInit; readonly viewer?: undefined }
  | { readonly page?: undefined; readonly viewer: Viewer };

/** The signed-in viewer, or a sign-in page that comes back to `returnTo` (a path of this app). */
export async function signedInViewer(
  deps: ConsoleDependencies,
  request: HttpRequest,
  returnTo: string,
): Promise<ViewerGate> {
  const principal = await deps.pages.signedIn(request);
  if (!principal) {
    return {
      page: messagePage(
        401,
        "Sign in to use the console",
        { tone: "info", text: "The break-glass console shows what you may decide and what is open: sign in first." },
        { links: deps.pages.signInLinks(returnTo) },
      ),
    };
  }
  return { viewer: { principal, member: await lookUpMember(deps.directory, deps.groups, principal.oid) } };
}
