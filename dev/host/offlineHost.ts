// The offline host: runs the app's own functions/ registrations without Azure Functions Core
// Tools. HTTP functions are served on their declared routes, timer functions run on their
// schedules, and orchestrations and activities run in the durable engine with real time, their
// state kept in Table Storage so that a restarted host carries on. The app's durable client
// talks to the engine through the Durable Task HTTP API, as it would to the real extension.
// No request can stop it: what it cannot parse, what comes too slowly and bodies too large it
// refuses itself, in the API's JSON errors, and nothing around the app's handlers throws.
//
// Load this module only after installFunctionsCore() (see ./main.ts): it imports @azure/functions.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { format } from "node:util";
import type {
  Cookie,
  HttpResponseInit,
  HttpResponse as Response,
  InvocationContext as Context,
} from "@azure/functions";
import { HttpRequest, HttpResponse, InvocationContext } from "../azureFunctions.js";
import { CronExpressionParser } from "cron-parser";
import type { TableAccount } from "../../src/adapters/azure/tables.js";
import { systemClock } from "../durable/clock.js";
import { DurableEngine, type ActivityFunction } from "../durable/engine.js";
import type { ExecutorHandler } from "../durable/sdk.js";
import { TableInstanceStore } from "../durable/tableInstanceStore.js";
import { captureFunctions, triggerOf, type FunctionRegistration } from "../functionsCapture.js";
import { clientErrorRefusal } from "./clientErrors.js";
import { DurableHttpApi } from "./durableApi.js";
import { answer, answerOnSocket } from "./hostAnswers.js";
import { MAX_BODY_BYTES, readBody, requestUrl } from "./requestReading.js";
import { compileRoute, matchRoute, type CompiledRoute } from "./routes.js";

export interface OfflineHostOptions {
  /** Folder of the compiled registrations (dist/functions). */
  readonly functionsDir: string;
  readonly port: number;
  readonly hostname: string;
  /** Where orchestration state is kept: the app's own storage settings (connection string or identity). */
  readonly storage: TableAccount;
  readonly taskHub: string;
  readonly log: (line: string) => void;
  /** How long a request's headers, and then its body, may take to arrive before 408 (default 10 s). */
  readonly requestTimeoutMs?: number;
}

const ROUTE_PREFIX = "api"; // host.json extensions.http.routePrefix
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** How often Node looks for headers past their deadline: their 408 comes at most this late. */
const HEADERS_CHECK_MS = 250;
/** Node's default limit on the request line and headers together. */
const HEADERS_MAX_BYTES = 16 * 1024;
/** How often due durable timers are looked for; a window closes at most this late. */
const TIMER_POLL_MS = 250;

export class OfflineHost {
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** The response each connection is writing, so that a parser failure never writes into one begun. */
  private readonly responding = new WeakMap<Duplex, ServerResponse>();

  private constructor(
    private readonly options: OfflineHostOptions,
    private readonly server: Server,
    private readonly durableApi: DurableHttpApi,
    readonly registrations: readonly FunctionRegistration[],
    readonly engine: DurableEngine,
  ) {}

  static async start(options: OfflineHostOptions): Promise<OfflineHost> {
    const modules = readdirSync(options.functionsDir)
      .filter((file) => file.endsWith(".js"))
      .map((file) => resolve(options.functionsDir, file));
    const registrations = await captureFunctions(modules);
    const byTrigger = (type: string) => registrations.filter((registration) => triggerOf(registration).type === type);

    const engine = new DurableEngine({
      orchestrators: Object.fromEntries(
        byTrigger("orchestrationTrigger").map((r) => [r.name, r.handler as ExecutorHandler]),
      ),
      activities: Object.fromEntries(byTrigger("activityTrigger").map((r) => [r.name, r.handler as ActivityFunction])),
      clock: systemClock,
      store: new TableInstanceStore(options.storage, `${options.taskHub}OfflineInstances`),
      onNondeterminism: "fail-instance",
      log: (line) => options.log(`  ${line}`),
    });
    const durableApi = new DurableHttpApi(engine, options.taskHub, options.log);
    await durableApi.listen();
    const recovered = await engine.recover();
    if (recovered) options.log(`recovered ${recovered} running orchestration(s) from storage`);

    const routes = byTrigger("httpTrigger").map((registration) => {
      const trigger = triggerOf(registration);
      return compileRoute(
        ROUTE_PREFIX,
        trigger.route ?? registration.name,
        trigger.methods ?? ["GET", "POST"],
        registration,
      );
    });
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const server = createServer({
      maxHeaderSize: HEADERS_MAX_BYTES,
      // Node would answer a missing Host itself, in bare text; requestUrl() answers it as JSON.
      requireHostHeader: false,
      headersTimeout: requestTimeoutMs,
      // The body is read under the host's own deadline (readBody), which answers 408 itself.
      requestTimeout: 0,
      connectionsCheckingInterval: Math.min(HEADERS_CHECK_MS, requestTimeoutMs),
    });
    const host = new OfflineHost(options, server, durableApi, registrations, engine);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      host.serveHttp(routes, request, response, requestTimeoutMs).catch((error: unknown) => {
        options.log(`answering ${request.method} failed: ${describeError(error)}`);
        response.destroy();
      });
    });
    server.on("clientError", (error: Error, socket: Duplex) => host.refuseUnparsed(error, socket));
    server.on("connect", (_request: IncomingMessage, socket: Duplex) => {
      options.log(`CONNECT → 405`);
      answerOnSocket(socket, { status: 405, code: "METHOD_NOT_ALLOWED", message: "CONNECT is not served here" });
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.hostname, resolveListen);
    });
    host.runDurableTimers();
    for (const registration of byTrigger("timerTrigger")) host.scheduleTimerFunction(registration);
    return host;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://${this.options.hostname}:${address.port}`;
  }

  /** Runs a timer function now, as its schedule would (the benchmark runs the watchdog's round on demand). */
  async runTimer(name: string): Promise<void> {
    const registration = this.registrations.find(
      (candidate) => candidate.name === name && triggerOf(candidate).type === "timerTrigger",
    );
    if (!registration) throw new Error(`no timer function ${name}`);
    const info = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: {} };
    await registration.handler(info, this.context(registration));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearTimeout);
    this.server.closeAllConnections();
    await new Promise<void>((resolveClose) => this.server.close(() => resolveClose()));
    await this.durableApi.close();
  }

  private async serveHttp(
    routes: readonly CompiledRoute<FunctionRegistration>[],
    request: IncomingMessage,
    response: ServerResponse,
    requestTimeoutMs: number,
  ): Promise<void> {
    const started = Date.now();
    const socket = request.socket;
    this.responding.set(socket, response);
    response.once("close", () => {
      if (this.responding.get(socket) === response) this.responding.delete(socket);
    });
    const invocation = { name: "-" };
    let status: number | "aborted";
    try {
      status = await this.respond(routes, request, response, requestTimeoutMs, invocation);
    } catch (error) {
      this.options.log(`${invocation.name} failed: ${describeError(error)}`);
      if (response.headersSent) response.end();
      else answer(response, { status: 500, code: "INTERNAL_ERROR", message: "see the host log" }, !request.complete);
      status = 500;
    }
    this.options.log(
      `${request.method} ${loggedTarget(request)} → ${status} ${invocation.name} ${Date.now() - started}ms`,
    );
  }

  /** Answers the request: refused by the host, or by the function that serves its route. */
  private async respond(
    routes: readonly CompiledRoute<FunctionRegistration>[],
    request: IncomingMessage,
    response: ServerResponse,
    requestTimeoutMs: number,
    invocation: { name: string },
  ): Promise<number | "aborted"> {
    const url = requestUrl(request);
    if (!(url instanceof URL)) return answer(response, url, true);
    const body = await readBody(request, { maxBytes: MAX_BODY_BYTES, timeoutMs: requestTimeoutMs });
    switch (body.kind) {
      case "too-large":
        return answer(
          response,
          { status: 413, code: "PAYLOAD_TOO_LARGE", message: `the body must not exceed ${MAX_BODY_BYTES} bytes` },
          true,
        );
      case "timed-out":
        return answer(
          response,
          { status: 408, code: "REQUEST_TIMEOUT", message: `the body did not arrive within ${requestTimeoutMs} ms` },
          true,
        );
      case "aborted":
        response.destroy();
        return "aborted";
    }
    const method = request.method ?? "GET";
    const match = safeMatch(routes, method, url.pathname);
    if (match.kind === "not-found")
      return answer(response, { status: 404, code: "NOT_FOUND", message: `no function serves ${url.pathname}` }, false);
    if (match.kind === "method-not-allowed") {
      const allowed = { Allow: match.allowed.join(", ") };
      return answer(
        response,
        { status: 405, code: "METHOD_NOT_ALLOWED", message: `use ${match.allowed.join(" or ")}`, headers: allowed },
        false,
      );
    }
    invocation.name = match.target.name;
    const httpRequest = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(request),
      params: match.params,
      ...(body.bytes.length && method !== "GET" && method !== "HEAD" ? { body: { bytes: body.bytes } } : {}),
    });
    const result = await match.target.handler(httpRequest, this.context(match.target));
    return writeResponse(response, result as HttpResponseInit | Response | undefined);
  }

  /** Node's parser gave up on the connection: answer in JSON while nothing of a response was written. */
  private refuseUnparsed(error: Error & { code?: string }, socket: Duplex): void {
    const refusal = clientErrorRefusal(error, HEADERS_MAX_BYTES);
    const begun = this.responding.get(socket)?.headersSent ?? false;
    this.options.log(
      `unparsed request (${error.code ?? error.message}) → ${refusal && !begun ? refusal.status : "closed"}`,
    );
    if (refusal && !begun && socket.writable) answerOnSocket(socket, refusal);
    else socket.destroy();
  }

  /** An invocation context with the registration's bindings; durable clients get the engine's API. */
  private context(registration: FunctionRegistration): Context {
    const bindings = Object.entries(registration.bindings).map(([name, binding]) => ({ ...binding, name }));
    const trigger = bindings.find((binding) => /trigger$/i.test(binding.type))!;
    const extraInputs = bindings.filter((binding) => binding !== trigger && binding.direction === "in");
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: registration.name,
      logHandler: (level, ...args) => this.options.log(`  [${registration.name}] ${level}: ${format(...args)}`),
      options: { trigger: trigger, extraInputs: extraInputs, extraOutputs: [] },
    });
    for (const input of extraInputs) {
      if (input.type === "durableClient" || input.type === "orchestrationClient")
        context.extraInputs.set(input.name, this.durableApi.clientBindingData());
    }
    return context;
  }

  /** Fires due durable timers; the engine itself never sleeps. */
  private runDurableTimers(): void {
    const tick = async () => {
      try {
        await this.engine.fireDueTimers();
      } catch (error) {
        this.options.log(`durable timers: ${String(error)}`);
      }
      if (!this.stopped) this.timers.push(setTimeout(() => void tick(), TIMER_POLL_MS));
    };
    void tick();
  }

  private scheduleTimerFunction(registration: FunctionRegistration): void {
    const trigger = triggerOf(registration);
    const schedule = CronExpressionParser.parse(String(trigger.schedule), { tz: "UTC", currentDate: new Date() });
    let last: Date | undefined;
    const next = () => {
      if (this.stopped) return;
      const due = schedule.next().toDate();
      callAt(
        due,
        () => void run(due),
        (timer) => this.timers.push(timer),
      );
    };
    const run = async (due: Date) => {
      const started = Date.now();
      const info = {
        isPastDue: started - due.getTime() > 1_000,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: last?.toISOString(), next: undefined, lastUpdated: new Date().toISOString() },
      };
      let outcome = "ok";
      try {
        await registration.handler(info, this.context(registration));
      } catch (error) {
        outcome = `failed: ${String(error)}`;
      }
      last = due;
      this.options.log(`timer ${registration.name} ${outcome} ${Date.now() - started}ms`);
      next();
    };
    next();
  }
}

/** The longest delay setTimeout honours; a longer one fires at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Calls `run` at `due`, in steps when it is further off than setTimeout reaches (a yearly schedule). */
export function callAt(due: Date, run: () => void, keep: (timer: NodeJS.Timeout) => void): void {
  const delay = due.getTime() - Date.now();
  if (delay > MAX_TIMEOUT_MS) keep(setTimeout(() => callAt(due, run, keep), MAX_TIMEOUT_MS));
  else keep(setTimeout(run, Math.max(0, delay)));
}

function safeMatch(routes: readonly CompiledRoute<FunctionRegistration>[], method: string, pathname: string) {
  try {
    return matchRoute(routes, method, pathname);
  } catch {
    return { kind: "not-found" } as const; // a malformed %-escape in the path
  }
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** The request target for the log: shortened, and with control characters escaped, whatever the client sent. */
function loggedTarget(request: IncomingMessage): string {
  const target = (request.url ?? "").slice(0, 200);
  const shown = JSON.stringify(target).slice(1, -1);
  return shown.replace(/\?.*$/, "");
}

async function writeResponse(
  response: ServerResponse,
  result: HttpResponseInit | Response | undefined,
): Promise<number> {
  const normalized = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  const headers: Record<string, string | string[]> = {};
  normalized.headers.forEach((value, name) => (headers[name] = value));
  if (normalized.cookies.length) headers["set-cookie"] = normalized.cookies.map(serializeCookie);
  const body = Buffer.from(await normalized.arrayBuffer());
  response.writeHead(normalized.status, headers);
  response.end(body);
  return normalized.status;
}

function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`];
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.expires) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.httpOnly) parts.push("HttpOnly");
  if (cookie.secure) parts.push("Secure");
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join("; ");
}
