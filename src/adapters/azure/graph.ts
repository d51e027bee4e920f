// One Microsoft Graph client for the directory and for mail. The endpoint (sovereign cloud, or
// loopback in tests) is given; its host goes into customHosts, without which the client silently
// sends no token to a host it does not know. Every call has a timeout.
import { upstreamCode } from "../../domain/codes.js";
import {
  AuthenticationHandler,
  Client,
  GraphError,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
} from "@microsoft/microsoft-graph-client";
import type { TokenCredential } from "@azure/core-auth";
import { TransientError } from "../../ports/errors.js";
import { retryAfterMs, scopeOf } from "./credentials.js";

export interface GraphSettings {
  readonly endpoint: string;
  readonly timeoutMs?: number;
  /** Retries inside the client for 429/503/504 (it honours Retry-After), before Durable's own. */
  readonly maxRetries?: number;
}

/** A Graph call that failed with an HTTP status the caller may want to treat specially. */
export class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "GraphFailure";
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class GraphApi {
  private readonly client: Client;

  constructor(
    credential: TokenCredential,
    private readonly settings: GraphSettings,
  ) {
    const scope = scopeOf(settings.endpoint);
    const auth = new AuthenticationHandler({
      getAccessToken: async () => {
        const token = await credential.getToken(scope);
        if (!token) throw new TransientError("GRAPH_TOKEN", `no token for ${scope}`);
        return token.token;
      },
    });
    const retry = new RetryHandler(new RetryHandlerOptions(3, settings.maxRetries ?? 3));
    const redirect = new RedirectHandler(new RedirectHandlerOptions());
    const telemetry = new TelemetryHandler();
    auth.setNext(retry);
    retry.setNext(redirect);
    redirect.setNext(telemetry);
    telemetry.setNext(new HTTPMessageHandler());
    this.client = Client.initWithMiddleware({
      middleware: auth,
      baseUrl: `${settings.endpoint}/`,
      defaultVersion: "v1.0",
      customHosts: new Set([new URL(settings.endpoint).hostname]),
    });
  }

  /** GET a path or a full URL (next and delta links); undefined for 404. */
  async get<T>(pathOrUrl: string): Promise<T | undefined> {
    try {
      return (await this.client.api(pathOrUrl).options(this.fetchOptions()).get()) as T;
    } catch (error) {
      const failure = toFailure(error);
      if (failure.status === 404) return undefined;
      throw failure;
    }
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    try {
      return (await this.client.api(path).options(this.fetchOptions()).post(body)) as T;
    } catch (error) {
      throw toFailure(error);
    }
  }

  async patch<T>(path: string, body: unknown): Promise<T> {
    try {
      return (await this.client.api(path).options(this.fetchOptions()).patch(body)) as T;
    } catch (error) {
      throw toFailure(error);
    }
  }

  /** Every item of a collection, following @odata.nextLink. */
  async getAll<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; "@odata.nextLink"?: string } | undefined = await this.get(next);
      items.push(...(page?.value ?? []));
      next = page?.["@odata.nextLink"];
    }
    return items;
  }

  private fetchOptions() {
    return { signal: AbortSignal.timeout(this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS) };
  }
}

function toFailure(error: unknown): GraphFailure {
  if (error instanceof GraphFailure) return error;
  // The client reports a network failure or a timeout as a GraphError with status -1, named after the cause.
  const status = error instanceof GraphError && error.statusCode > 0 ? error.statusCode : -1;
  const message = error instanceof Error ? error.message : String(error);
  if (status === -1) {
    const name = error instanceof GraphError ? (error.code ?? "") : error instanceof Error ? error.name : "";
    return new GraphFailure(-1, /abort|timeout/i.test(name) ? "TIMEOUT" : "NETWORK", message);
  }
  const graphError = error as GraphError;
  return new GraphFailure(
    status,
    graphError.code ?? `HTTP_${status}`,
    message,
    retryAfterMs(graphError.headers?.get("retry-after")),
  );
}

/**
 * For callers with nothing special to do: what a retry may fix (throttling, 5xx, network,
 * timeouts) and what it will not (missing permissions) both become TransientError, so the API
 * answers 503 and activities are retried; the message says which. Other failures are bugs.
 */
export function asTransient(error: unknown, what: string): never {
  if (!(error instanceof GraphFailure)) throw error;
  if (error.status === 401 || error.status === 403) {
    throw new TransientError(
      "GRAPH_FORBIDDEN",
      `Microsoft Graph refused to ${what} (${error.code}): grant the app the Graph permissions in the README`,
    );
  }
  if (error.status === -1 || error.status === 429 || error.status >= 500) {
    throw new TransientError(
      error.status === -1 ? upstreamCode(`GRAPH_${error.code}`) : `GRAPH_${error.status}`,
      `Microsoft Graph could not ${what}: ${error.message}`,
      error.retryAfterMs,
      {
        cause: error,
      },
    );
  }
  throw error;
}
