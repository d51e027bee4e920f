// Who the command speaks to and as whom: the server says its mode and API version at
// GET /api/health; in simulation the person is named (--user, BREAKGLASS_USER) and given a dev
// token, in azure mode their own Entra sign-in gives a token for BREAKGLASS_SCOPE (docs/design.md §9).
import { homedir } from "node:os";
import { decodeJwt } from "jose";
import { API_VERSION } from "../domain/apiVersion.js";
import type { Mode } from "../domain/modes.js";
import type { AccessToken, SignIn } from "../ports/signIn.js";
import { SignInUnavailable } from "../ports/signIn.js";
import { devTokenAnswer, healthAnswer, read } from "./answers.js";
import type { ApiClient } from "./client.js";
import { CliFailure, EXIT, usage } from "./exits.js";
import { cachedSignIn, tokenCacheFile } from "./tokenCache.js";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface UserSignInSettings {
  readonly tenantId?: string;
  readonly clientId?: string;
  /** Tells the person what to do (the device code's message). */
  readonly prompt: (message: string) => void;
}

/** Builds the azure-mode sign-in; loaded only when a server in azure mode asks for it. */
export type UserSignInFactory = (settings: UserSignInSettings) => Promise<SignIn>;

export interface Session {
  readonly mode: Mode;
  /** The signed-in person's object id, as their token says (for display and filtering only: the server decides). */
  readonly oid: string | undefined;
}

export interface SignInOptions {
  readonly user: string | undefined;
  readonly env: Environment;
  readonly signIn: UserSignInFactory;
  readonly prompt: (message: string) => void;
  readonly now: () => Date;
}

/** Reused until a minute before it expires; a --wait can outlive a token. */
const REFRESH_BEFORE_MS = 60_000;

async function serverMode(client: ApiClient): Promise<Mode> {
  const origin = client.base.origin;
  const answer = await client.call("GET", "/api/health", { retry: "transient", accept: [404, 503] });
  const health = healthAnswer.safeParse(answer.body);
  if (!health.success)
    throw new CliFailure(
      EXIT.error,
      `${origin} does not answer as an aks-breakglass server (GET /api/health: HTTP ${answer.status}); check --url or BREAKGLASS_URL`,
    );
  if (health.data.api !== API_VERSION)
    throw new CliFailure(
      EXIT.error,
      `the server at ${origin} speaks API version ${health.data.api ?? "(unstated, older)"} and this breakglass speaks ${API_VERSION}: use the breakglass of the server's release`,
    );
  return health.data.mode;
}

/** A token source: a token (kept until a minute before it expires), and a way to drop it. */
interface TokenSource {
  readonly fetch: () => Promise<AccessToken>;
  readonly forget: () => void;
}

function cached(source: TokenSource, now: () => Date) {
  let current: AccessToken | undefined;
  return {
    token: async () => {
      if (!current || current.expiresAt.getTime() - now().getTime() < REFRESH_BEFORE_MS) current = await source.fetch();
      return current.token;
    },
    forget: () => {
      current = undefined;
      source.forget();
    },
  };
}

function simulationToken(client: ApiClient, user: string, now: () => Date): TokenSource {
  const fetch = async () => {
    const answer = await client.call("POST", "/api/dev/token", {
      json: { user },
      retry: "transient",
      accept: [400, 404],
      anonymous: true,
    });
    if (answer.status !== 200)
      throw new CliFailure(EXIT.notAllowed, `the simulation has no user "${user}"; try alice@contoso.dev`);
    const token = read(devTokenAnswer, answer.body, "POST /api/dev/token");
    return { token: token.access_token, expiresAt: new Date(now().getTime() + token.expires_in * 1000) };
  };
  return { fetch, forget: () => undefined };
}

async function azureToken(options: SignInOptions): Promise<TokenSource> {
  const { env } = options;
  const scope = env.BREAKGLASS_SCOPE?.trim();
  // The Azure CLI is asked for a resource, which it takes from a `/.default` scope only.
  if (!scope?.endsWith("/.default"))
    throw usage("set BREAKGLASS_SCOPE to the break-glass API's scope, e.g. api://<app id>/.default");
  const signIn = cachedSignIn(
    await options.signIn({
      ...(env.BREAKGLASS_TENANT_ID ? { tenantId: env.BREAKGLASS_TENANT_ID } : {}),
      ...(env.BREAKGLASS_CLIENT_ID ? { clientId: env.BREAKGLASS_CLIENT_ID } : {}),
      prompt: options.prompt,
    }),
    { file: tokenCacheFile(env, env.HOME || homedir()), now: options.now, warn: options.prompt },
  );
  const fetch = async (): Promise<AccessToken> => {
    try {
      return await signIn.token(scope);
    } catch (error) {
      if (error instanceof SignInUnavailable) throw new CliFailure(EXIT.notAllowed, error.message);
      throw error;
    }
  };
  return { fetch, forget: () => signIn.forget(scope) };
}

function oidOf(token: string): string | undefined {
  try {
    const { oid } = decodeJwt(token);
    return typeof oid === "string" ? oid : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the server's mode, signs in the way it needs, and makes every later call carry the token. */
export async function signIn(client: ApiClient, options: SignInOptions): Promise<Session> {
  const mode = await serverMode(client);
  const user = options.user ?? options.env.BREAKGLASS_USER;
  if (mode === "azure" && user)
    throw usage(
      `--user and BREAKGLASS_USER sign in to a simulation only; ${client.base.origin} runs in azure mode: sign in with az login`,
    );
  // The person's own token is sent to this server: never in clear (a plain-http URL, or the
  // default loopback port someone else on a shared host could listen on).
  if (mode === "azure" && client.base.protocol !== "https:")
    throw usage(
      `${client.base.origin} runs in azure mode, and your token is sent only over https: set --url or BREAKGLASS_URL to the server's https:// address`,
    );
  if (mode === "simulation" && !user)
    throw usage(
      `${client.base.origin} runs the simulation: say who you are with --user alice@contoso.dev (or BREAKGLASS_USER)`,
    );
  const source = mode === "simulation" ? simulationToken(client, user!, options.now) : await azureToken(options);
  const { token, forget } = cached(source, options.now);
  const first = await token();
  client.signIn(token, forget);
  return { mode, oid: oidOf(first) };
}
