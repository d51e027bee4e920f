// The break-glass HTTP API as the command sees it: JSON in and out, a bearer token on every call,
// the API's `{"error":{code,message}}` answers turned into one line and an exit status, and retries
// only where repeating the call cannot do a thing twice (docs/design.md §11).
import { neutralise } from "../domain/userText.js";
import { CliFailure, EXIT, Interrupted, type ExitCode } from "./exits.js";

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** When a call may be sent again after a failure that did not come from the server's verdict. */
export type RetryPolicy =
  /** Never: the server may have acted on it (an approval, a close). Only a connection refused is retried. */
  | "unsent"
  /** On a lost connection, a timeout and a 503: the server answers a repeat the same (a GET, a keyed POST). */
  | "transient";

export interface CallOptions {
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly retry?: RetryPolicy;
  /** Statuses the caller reads itself instead of failing on (e.g. 404 of a route the server lacks). */
  readonly accept?: readonly number[];
  /** Sent without the bearer token (the health check, and the dev token that is the sign-in). */
  readonly anonymous?: boolean;
  /** Ctrl-C: abandons the call, and whatever wait between attempts, with Interrupted. */
  readonly signal?: AbortSignal;
}

export interface ClientSettings {
  readonly base: URL;
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  /** Each call's own bound, so that a server that accepts and never answers cannot hang a 3 a.m. command. */
  readonly timeoutMs: number;
  /** Attempts at most, the first included. */
  readonly attempts: number;
}

const RETRY_AFTER_CAP_MS = 30_000;

/** One line saying what the server refused, and what the person can do about it. */
const NOT_ALLOWED_HINTS: Readonly<Record<string, string>> = {
  NOT_EMERGENCY_MEMBER: "ask the emergency group's owners to add you",
  NOT_APPROVER: "ask someone in the approver group to do it",
  NOT_AUTHORIZED: "you are in neither the emergency group nor the approver group: ask the emergency group's owners",
  NOT_REQUESTER: "only the person who asked for the window may do this",
  SELF_APPROVAL: "someone else must decide it",
  ACCOUNT_DISABLED: "your account is disabled in the directory",
  UNKNOWN_USER: "the directory does not know you",
};

function unauthenticatedHint(message: string): string {
  if (message.includes("audience"))
    return "the token is for another API: set BREAKGLASS_SCOPE to this server's scope (api://<app id>/.default)";
  if (message.includes("expired")) return "sign in again (az login) and repeat the command";
  return "sign in again (az login, or --user in simulation) and repeat the command";
}

interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

/** The API's own error answer, or undefined when the body is not one (a proxy's page, an empty 404). */
export function apiError(body: unknown): ErrorBody | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== "string" || typeof error.message !== "string") return undefined;
  // One line: a message with line breaks could print what looks like a second line of ours.
  return { code: error.code, message: neutralise(error.message, "text").replace(/\s*\n\s*/g, " ") };
}

const EXIT_BY_STATUS: Readonly<Record<number, ExitCode>> = {
  400: EXIT.usage,
  401: EXIT.notAllowed,
  403: EXIT.notAllowed,
};

/** The failure a refused call ends the command with. */
export function failureOf(answer: Answer, what: string): CliFailure {
  const error = apiError(answer.body);
  const exitCode = EXIT_BY_STATUS[answer.status] ?? EXIT.error;
  if (!error) return new CliFailure(exitCode, `${what}: the server answered HTTP ${answer.status}`);
  if (answer.status === 401)
    return new CliFailure(
      exitCode,
      `not signed in: ${error.message}; ${unauthenticatedHint(error.message)}`,
      error.code,
    );
  const hint = answer.status === 403 ? NOT_ALLOWED_HINTS[error.code] : undefined;
  const prefix = exitCode === EXIT.notAllowed ? "not allowed: " : "";
  return new CliFailure(exitCode, `${prefix}${error.message}${hint ? `; ${hint}` : ""}`, error.code);
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get("retry-after");
  if (value === null || !/^\d{1,5}$/.test(value.trim())) return undefined;
  return Math.min(Number(value) * 1000, RETRY_AFTER_CAP_MS);
}

/** Whether the failure means the request never reached the server (so that nothing can have happened). */
function neverSent(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
}

/** How many times the server may say a keyed request is still being created (Retry-After: 1) — past its 30 s bound. */
const BUSY_ROUNDS = 45;

interface Tries {
  failed: number;
  busy: number;
  signedInAgain: boolean;
}

export class ApiClient {
  private token: (() => Promise<string>) | undefined;
  private forget: (() => void) | undefined;

  constructor(private readonly settings: ClientSettings) {}

  get base(): URL {
    return this.settings.base;
  }

  /** Every later call carries this bearer token; `forget` drops it when the server refuses it. */
  signIn(token: () => Promise<string>, forget: () => void): void {
    this.token = token;
    this.forget = forget;
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const tries: Tries = { failed: 0, busy: 0, signedInAgain: false };
    for (;;) {
      const outcome = await this.attempt(method, path, options);
      if (options.signal?.aborted) throw new Interrupted();
      if ("error" in outcome) {
        tries.failed++;
        const again = options.retry === "transient" || neverSent(outcome.error);
        if (!again || tries.failed >= this.settings.attempts) throw this.unreachable(outcome.error);
        await this.pause(Math.min(500 * 2 ** (tries.failed - 1), 8_000), options.signal);
        continue;
      }
      const { answer } = outcome;
      if (answer.status === 401 && this.forget && !options.anonymous && !tries.signedInAgain) {
        // A token the server no longer takes (revoked, another tenant, a restarted simulation's
        // key): dropped, and the call made once more with a fresh one. A 401 changed nothing.
        tries.signedInAgain = true;
        this.forget();
        continue;
      }
      const wait = this.retryWait(answer, options.retry ?? "unsent", tries);
      if (wait === undefined) return this.verdict(answer, method, path, options);
      await this.pause(wait, options.signal);
    }
  }

  /** A wait between attempts that Ctrl-C cuts short. */
  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const aborted = new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true }));
    await Promise.race([this.settings.sleep(ms), aborted]);
    if (signal?.aborted) throw new Interrupted();
  }

  private async attempt(
    method: string,
    path: string,
    options: CallOptions,
  ): Promise<{ readonly answer: Answer } | { readonly error: unknown }> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (this.token && !options.anonymous) headers.authorization = `Bearer ${await this.token()}`;
    if (options.json !== undefined) headers["content-type"] = "application/json";
    try {
      const response = await this.settings.fetch(new URL(path, this.settings.base), {
        method,
        headers,
        ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
        redirect: "manual",
        signal: options.signal
          ? AbortSignal.any([options.signal, AbortSignal.timeout(this.settings.timeoutMs)])
          : AbortSignal.timeout(this.settings.timeoutMs),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        if (response.headers.get("content-type")?.includes("json")) body = JSON.parse(text) as unknown;
      } catch {
        // A body that says JSON and is not: kept as text, so that the failure names the status.
      }
      return { answer: { status: response.status, body, headers: response.headers } };
    } catch (error) {
      return { error };
    }
  }

  /** How long to wait before sending again, or undefined to take this answer as it is. */
  private retryWait(answer: Answer, retry: RetryPolicy, tries: Tries): number | undefined {
    const after = retryAfterMs(answer.headers);
    if (after === undefined) return undefined;
    // A keyed request still being created by an earlier attempt: the server says when to ask again.
    if (answer.status === 409 && apiError(answer.body)?.code === "IDEMPOTENCY_KEY_IN_USE")
      return retry === "transient" && ++tries.busy <= BUSY_ROUNDS ? after : undefined;
    // Our 503s mean "nothing was done, try again" (a receipt withdrawn, storage down), whatever the call.
    if (answer.status === 503) return ++tries.failed < this.settings.attempts ? after : undefined;
    return undefined;
  }

  private verdict(answer: Answer, method: string, path: string, options: CallOptions): Answer {
    if (answer.status < 300 || options.accept?.includes(answer.status)) return answer;
    throw failureOf(answer, `${method} ${path}`);
  }

  private unreachable(error: unknown): CliFailure {
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    const why =
      error instanceof DOMException && error.name === "TimeoutError"
        ? `no answer within ${Math.round(this.settings.timeoutMs / 1000)} s`
        : typeof cause === "string"
          ? cause
          : "the connection failed";
    return new CliFailure(
      EXIT.error,
      `cannot reach the break-glass server at ${this.settings.base.origin} (${why}): is it running? Set --url or BREAKGLASS_URL`,
    );
  }
}
