// A loopback HTTPS server that records what it receives and can be told to fail, as the base of
// the fake ARM, Graph, Entra and Teams. Its certificate is the one the test run made and trusts
// (NODE_EXTRA_CA_CERTS, see globalSetup), so the real SDK clients talk to it unmodified.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, UnsecuredJWT } from "jose";
import { inject } from "vitest";

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly text: string;
  readonly body: unknown;
  readonly at: number;
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Never answer (to test timeouts). */
  readonly hang?: boolean;
}

export interface Fault {
  readonly method?: string;
  /** Matches when the path contains this. */
  readonly path?: string | RegExp;
  readonly response: FakeResponse;
  /** How many matching requests fail; then the fault is spent. */
  times: number;
}

export type Handler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export class HttpsFake {
  readonly requests: FakeRequest[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();
  url = "";

  constructor(private readonly handler: Handler) {}

  async start(): Promise<this> {
    const tls = inject("tls");
    this.server = createServer(
      { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) },
      (request, response) => {
        void this.serve(request, response);
      },
    );
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `times` requests that match fail with `response`. */
  inject(fault: Omit<Fault, "times"> & { times?: number }): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Recorded requests, optionally only those of a method and path. */
  received(method?: string, path?: string | RegExp): FakeRequest[] {
    return this.requests.filter((request) => (!method || request.method === method) && matches(request.path, path));
  }

  private async serve(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(incoming.url ?? "/", this.url);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    const request: FakeRequest = {
      method: incoming.method ?? "GET",
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: Object.fromEntries(
        Object.entries(incoming.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(",") : value]),
      ),
      text,
      body,
      at: Date.now(),
    };
    this.requests.push(request);
    const fault = this.faults.find(
      (candidate) =>
        candidate.times > 0 &&
        (!candidate.method || candidate.method === request.method) &&
        matches(request.path, candidate.path),
    );
    let reply: FakeResponse;
    if (fault) {
      fault.times--;
      reply = fault.response;
    } else {
      try {
        reply = await this.handler(request);
      } catch (error) {
        reply = { status: 500, body: { error: { code: "FakeBug", message: String(error) } } };
      }
    }
    if (reply.hang) {
      this.hanging.add(response);
      return;
    }
    const json = reply.body !== undefined && typeof reply.body !== "string";
    response.writeHead(reply.status, { ...(json ? { "Content-Type": "application/json" } : {}), ...reply.headers });
    response.end(reply.body === undefined ? undefined : json ? JSON.stringify(reply.body) : (reply.body as string));
  }
}

function matches(path: string, pattern: string | RegExp | undefined): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === "string" ? path.includes(pattern) : pattern.test(path);
}

/** The credential the adapters get in tests: a token that names the scope it was asked for. */
export const fakeCredential = {
  getToken: async (scopes: string | string[]) => ({
    token: `token-for:${[scopes].flat().join(" ")}`,
    expiresOnTimestamp: Date.now() + 3_600_000,
  }),
};

/** The Authorization header a fake expects from the fake credential for its own scope. */
export function bearerFor(fake: HttpsFake): string {
  return `Bearer token-for:${fake.url}/.default`;
}

/** Whether an Authorization header carries a token for this fake: the fake credential's, or an app token for it. */
export function isBearerFor(fake: HttpsFake, authorization: string | undefined): boolean {
  return authorization === bearerFor(fake) || appTokenClaims(authorization)?.aud === fake.url;
}

/**
 * An app-only access token as Entra issues one for `resource`: its audience and the application roles
 * granted to the app (`roles`). Unsigned: the fakes only read it, as the app reads its own.
 */
export function appToken(resource: string, roles: readonly string[]): string {
  return new UnsecuredJWT({ roles: [...roles] }).setAudience(resource).setIssuedAt().setExpirationTime("1h").encode();
}

/** The claims of an app token in an Authorization header, or undefined for any other header. */
export function appTokenClaims(authorization: string | undefined): { aud?: unknown; roles?: unknown } | undefined {
  const token = /^Bearer (\S+\.\S+\.)$/.exec(authorization ?? "")?.[1];
  return token ? decodeJwt(token) : undefined;
}
