// A break-glass server in a function, for the command's own tests: routes answer from tables the
// test fills, every call is recorded, and the clock only moves when the command sleeps.
import type { ProgramDependencies } from "../../../src/cli/program.js";
import { runBreakglass } from "../../../src/cli/program.js";
import type { Terminal } from "../../../src/cli/terminal.js";

export const WEU_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu";
export const REQUEST_ID = "bg-01m8tbd7zkrrdj9ygjd69yabhs";

export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Fail the call as a network error with this code instead of answering. */
  readonly networkError?: string;
  /** Never answer: the call ends only when its signal aborts it. */
  readonly hang?: boolean;
}

export interface Call {
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body: unknown;
}

type Route = (call: Call, calls: readonly Call[]) => Reply;

const person = (name: string, oid: string) => ({ oid, upn: `${name}@contoso.dev`, displayName: name });
export const ALICE = person("alice", "a11ce000-0000-4000-8000-000000000001");
export const BOB = person("bob", "b0b00000-0000-4000-8000-000000000002");

/** A dev token whose payload names alice (the command reads only its oid). */
export const ALICE_TOKEN = `x.${Buffer.from(JSON.stringify({ oid: ALICE.oid })).toString("base64url")}.y`;

export function requestView(overrides: Record<string, unknown> = {}) {
  return {
    id: REQUEST_ID,
    cluster: WEU_ID,
    clusterName: "aks-prod-weu",
    requester: ALICE,
    justification: "Entra sign-in broken",
    ticket: "INC-1",
    duration: "PT1H",
    requestedAt: "2026-12-02T03:00:00.000Z",
    approvalDeadline: "2026-12-02T03:15:00.000Z",
    requiredApprovals: 1,
    status: "pending-approval",
    approvals: [],
    window: null,
    extension: null,
    outcome: null,
    updatedAt: "2026-12-02T03:00:00.000Z",
    actions: [],
    ...overrides,
  };
}

/** Health, dev token and clusters as a simulation answers them; tests add or replace routes. */
export function simulationRoutes(): Record<string, Route> {
  return {
    "GET /api/health": () => ({ body: { status: "ok", mode: "simulation", api: 1 } }),
    "POST /api/dev/token": () => ({ body: { access_token: ALICE_TOKEN, token_type: "Bearer", expires_in: 3600 } }),
    "GET /api/clusters": () => ({
      body: [{ id: WEU_ID, name: "aks-prod-weu", localAccounts: "disabled", openWindows: [] }],
    }),
  };
}

/** The API's `{"error":{code,message}}` answer. */
export const errorReply = (status: number, code: string, message: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { error: { code, message } },
  ...(headers ? { headers } : {}),
});

/** The POSTs the command sent to one path. */
export const posts = (calls: readonly Call[], path: string) =>
  calls.filter((c) => c.method === "POST" && c.path === path);

export interface Run {
  readonly status: number;
  readonly out: string;
  readonly err: string;
  readonly calls: readonly Call[];
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly interactive?: boolean;
  /** Called with the interrupt handler once the command listens for Ctrl-C. */
  readonly onListening?: (interrupt: () => void) => void;
  readonly signIn?: ProgramDependencies["signIn"];
  readonly runAudit?: ProgramDependencies["runAudit"];
}

export async function runAgainst(
  routes: Record<string, Route>,
  argv: string[],
  options: RunOptions = {},
): Promise<Run> {
  const calls: Call[] = [];
  let out = "";
  let err = "";
  let now = Date.parse("2026-12-02T03:00:30.000Z");
  const fetch = (async (input: URL | string, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const call: Call = {
      method: init.method ?? "GET",
      path: `${url.pathname}${url.search}`,
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined,
    };
    calls.push(call);
    const route = routes[`${call.method} ${url.pathname}`];
    const reply: Reply = route ? route(call, calls) : { status: 404, body: "" };
    if (reply.networkError) throw new TypeError("fetch failed", { cause: { code: reply.networkError } });
    if (reply.hang) {
      const signal = init.signal!;
      await new Promise((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener("abort", resolve)));
      throw signal.reason;
    }
    const json = reply.body !== undefined && typeof reply.body !== "string";
    return new Response(json ? JSON.stringify(reply.body) : (reply.body ?? ""), {
      status: reply.status ?? 200,
      headers: { ...(json ? { "content-type": "application/json" } : {}), ...reply.headers },
    });
  }) as typeof globalThis.fetch;
  const terminal: Terminal = {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    interactive: options.interactive ?? false,
    now: () => new Date(now),
    sleep: async (ms) => void (now += ms),
    onInterrupt(handler) {
      options.onListening?.(handler);
      return () => undefined;
    },
  };
  const status = await runBreakglass(argv, {
    terminal,
    env: { BREAKGLASS_URL: "http://breakglass.test", BREAKGLASS_USER: "alice@contoso.dev", ...options.env },
    fetch,
    newKey: () => "key-1",
    version: "0.0.0-test",
    signIn: options.signIn ?? (async () => Promise.reject(new Error("no azure sign-in in this test"))),
    runAudit: options.runAudit ?? (async () => Promise.reject(new Error("no audit in this test"))),
  });
  return { status, out, err, calls };
}
