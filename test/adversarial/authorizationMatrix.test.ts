// The authorization matrix: every route of the README's HTTP API table × every person of the
// simulation (and an anonymous caller), in one table-driven test whose table is the README's own
// "who" column. Each "who" phrase means a set of callers (WHO below); each route has a way to be
// called (ROUTES below). Allowed callers must succeed; the others must be refused the way the
// contract says: 401 without a signature, 403 for a signed-in caller who may not, 404 when they
// may not even see the request. The test fails when the README and the code part ways, in either
// direction, and when a route or a phrase of the README has no entry here.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SIMULATION_GROUPS, SIMULATION_USERS } from "../../src/app/simulationDefaults.js";
import type { App } from "../../src/app/composition.js";
import { DEV_SESSION_COOKIE } from "../../src/http/dev.js";
import type { HttpHandler } from "../../src/http/handler.js";
import { createReviewTokens } from "../../src/http/reviewTokens.js";
import { createConsoleTokens } from "../../src/http/console/tokens.js";
import { NEW_REQUEST_SUBJECT } from "../../src/domain/console.js";
import { isTerminal } from "../../src/domain/lifecycle.js";
import {
  createHarness,
  engineer,
  NEU,
  T0,
  USERS,
  WEU,
  type CallOptions,
  type Harness,
  type Reply,
  type UserName,
} from "../support/harness.js";

// ---- the README's table -------------------------------------------------------------------------

interface ReadmeRow {
  /** Each route of the row, as the README writes it ("GET /api/requests?status=&cluster="). */
  readonly routes: readonly string[];
  readonly who: string;
}

/** The rows of the README's `| route | who | result |` table. */
function readmeApiTable(markdown: string): ReadmeRow[] {
  const lines = markdown.split("\n");
  const header = lines.findIndex((line) => /^\|\s*route\s*\|\s*who\s*\|\s*result\s*\|/.test(line));
  if (header < 0) throw new Error("the README has no | route | who | result | table");
  const rows: ReadmeRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const [route = "", who = ""] = line
      .slice(1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    rows.push({ routes: routesOf(route), who });
  }
  return rows;
}

/** The routes a cell names: its code spans that start with a method; "…/x" continues the one before. */
function routesOf(cell: string): string[] {
  const routes: string[] = [];
  for (const [, span = ""] of cell.matchAll(/`([^`]*)`/g)) {
    const route = /^(GET|POST|PUT|PATCH|DELETE) (\S+)$/.exec(span);
    if (!route) continue;
    const [, method, path = ""] = route;
    const previous = routes.at(-1)?.split(" ")[1] ?? "";
    const continued = path.startsWith("…")
      ? previous.slice(0, previous.lastIndexOf(path.slice(1).split("/").slice(0, 2).join("/"))) + path.slice(1)
      : path;
    routes.push(`${method} ${continued}`);
  }
  if (!routes.length) throw new Error(`no route in the README's cell ${cell}`);
  return routes;
}

// ---- who the phrases mean ---------------------------------------------------------------------

type CallerName = UserName | "anonymous";
const CALLERS: readonly CallerName[] = ["alice", "bob", "carol", "mallory", "anonymous"];

/** A caller as the directory and the request see them. */
interface Caller {
  readonly signedIn: boolean;
  readonly emergency: boolean;
  readonly approver: boolean;
  /** The requester of the request the route is about. */
  readonly requester: boolean;
}

const WHO: Readonly<Record<string, (caller: Caller) => boolean>> = {
  anyone: () => true,
  "emergency-group member": (c) => c.emergency,
  "emergency members, approvers": (c) => c.emergency || c.approver,
  approvers: (c) => c.approver,
  "requester, approvers (signed in in the browser)": (c) => c.requester || c.approver,
  "requester, approvers": (c) => c.requester || c.approver,
  "the requester": (c) => c.requester,
  "approver ≠ requester": (c) => c.approver && !c.requester,
  "approver ≠ requester, from the page": (c) => c.approver && !c.requester,
  "emergency members, approvers (signed in in the browser)": (c) => c.emergency || c.approver,
  "emergency-group member, from the console": (c) => c.emergency,
  "approver ≠ requester, from the console": (c) => c.approver && !c.requester,
  "requester, approvers, from the console": (c) => c.requester || c.approver,
  "the requester, from the console": (c) => c.requester,
  // The URL is public and checks a notification's clientState, not its sender: anyone gets the same 202.
  "Microsoft Graph": () => true,
  "simulation only": () => true,
  "simulation only, signed in": (c) => c.signedIn,
};

function callerOf(name: CallerName, requester: UserName | undefined): Caller {
  const user = SIMULATION_USERS.find((candidate) => candidate.upn === `${name}@contoso.dev`);
  return {
    signedIn: user !== undefined,
    emergency: user?.groups.includes("emergency") ?? false,
    approver: user?.groups.includes("approvers") ?? false,
    requester: name === requester,
  };
}

// ---- how each route is called ------------------------------------------------------------------

interface Cell {
  readonly h: Harness;
  readonly caller: CallerName;
  /** The request the route is about, when it names one. */
  readonly id: string;
  /** The review link's token of that request. */
  readonly linkToken: string;
}

interface RouteCall {
  readonly handler: (app: App) => HttpHandler;
  /**
   * Routes about one request: called on requests of alice and of carol. An allowed call of a route
   * that acts on it gets a fresh request, pending or open; reads and refused calls change nothing, so
   * they share a standing pending request of each requester.
   */
  readonly request?: "standing" | "pending" | "open";
  /** A signed-in caller who may not see the request is refused with a 404, not a 403. */
  readonly hidden?: true;
  /** Browser pages: the caller signs in with the session cookie rather than a bearer token. */
  readonly page?: true;
  readonly call: (cell: Cell) => CallOptions;
  /** Around every call: what it needs, and putting back what an allowed call changed. */
  readonly before?: (h: Harness) => Promise<unknown>;
  readonly after?: (h: Harness) => Promise<unknown>;
}

const DAY = 24 * 3600_000;
const today = T0.toISOString().slice(0, 10);
const NEW_REQUEST = { cluster: WEU, justification: "authorization matrix", ticket: "INC-M" };
const ENGINEER = engineer(0);
const neu = (h: Harness) => h.cluster(NEU);
const api = (name: keyof App["api"]) => (app: App) => app.api[name];
const dev = (name: keyof NonNullable<App["dev"]>) => (app: App) => app.dev![name];
const review = (name: keyof App["review"]) => (app: App) => app.review[name];
const consoleRoute = (name: keyof App["console"]) => (app: App) => app.console[name];

/** A console form as the console serves it to this caller: with their anti-CSRF token for `subject`. */
function consoleForm(cell: Cell, subject: string, fields: Record<string, string>): CallOptions {
  const csrf =
    cell.caller === "anonymous"
      ? ""
      : createConsoleTokens(cell.h.config.linkSigningKey).issue(USERS[cell.caller].oid, subject, cell.h.clock.date());
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
    body: new URLSearchParams({ csrf, ...fields }).toString(),
  };
}

/** One of a request's console forms. */
const consoleAction = (action: string, request: "pending" | "open", fields: Record<string, string> = {}) => ({
  handler: consoleRoute("actOnRequest"),
  request,
  page: true as const,
  call: (cell: Cell) => ({ ...consoleForm(cell, cell.id, fields), params: { id: cell.id, action } }),
});

const ROUTES: Readonly<Record<string, RouteCall>> = {
  "GET /api/health": { handler: api("health"), call: () => ({}) },
  "POST /api/requests": {
    handler: api("createRequest"),
    call: () => ({ json: NEW_REQUEST }),
    after: (h) => endLiveRequests(h),
  },
  "GET /api/requests/{id}": {
    handler: api("getRequest"),
    request: "standing",
    hidden: true,
    call: ({ id }) => ({ params: { id } }),
  },
  "GET /api/requests/{id}/evidence": {
    handler: api("requestEvidence"),
    request: "standing",
    hidden: true,
    call: ({ id }) => ({ params: { id } }),
  },
  "GET /api/requests?status=&cluster=": {
    handler: api("listRequests"),
    call: () => ({ query: { status: "pending-approval", cluster: WEU } }),
  },
  "GET /api/requests/{id}/review?token=": {
    handler: review("reviewRequest"),
    request: "standing",
    page: true,
    call: ({ id, linkToken }) => ({ params: { id }, query: { token: linkToken } }),
  },
  "POST /api/requests/{id}/review": {
    handler: review("submitReview"),
    request: "pending",
    page: true,
    call: ({ h, caller, id, linkToken }) => ({
      method: "POST",
      params: { id },
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        token: linkToken,
        csrf:
          caller === "anonymous"
            ? ""
            : createReviewTokens(h.config.linkSigningKey, h.config.publicBaseUrl).csrf(USERS[caller].oid, id),
        decision: "deny",
        reason: "authorization matrix",
      }).toString(),
    }),
  },
  "POST /api/requests/{id}/approve": {
    handler: api("approveRequest"),
    request: "pending",
    call: ({ id }) => ({ method: "POST", params: { id } }),
  },
  "POST /api/requests/{id}/deny": {
    handler: api("denyRequest"),
    request: "pending",
    call: ({ id }) => ({ params: { id }, json: { reason: "authorization matrix" } }),
  },
  "POST /api/requests/{id}/close": {
    handler: api("closeRequest"),
    request: "open",
    hidden: true,
    call: ({ id }) => ({ method: "POST", params: { id } }),
  },
  "POST /api/requests/{id}/extend": {
    handler: api("extendRequest"),
    request: "open",
    hidden: true,
    call: ({ id }) => ({ params: { id }, json: { duration: "PT30M" } }),
  },
  "GET /api/clusters": { handler: api("listClusters"), call: () => ({}) },
  "GET /api/console": { handler: consoleRoute("console"), page: true, call: () => ({}) },
  "GET /api/console/requests/{id}": {
    handler: consoleRoute("consoleRequest"),
    request: "standing",
    hidden: true,
    page: true,
    call: ({ id }) => ({ params: { id } }),
  },
  "POST /api/console/requests": {
    handler: consoleRoute("askForWindow"),
    page: true,
    call: (cell) =>
      consoleForm(cell, NEW_REQUEST_SUBJECT, {
        ...NEW_REQUEST,
        idempotencyKey: randomUUID().replaceAll("-", ""),
      }),
    after: (h) => endLiveRequests(h),
  },
  "POST /api/console/requests/{id}/approve": consoleAction("approve", "pending"),
  "POST /api/console/requests/{id}/deny": consoleAction("deny", "pending", { reason: "authorization matrix" }),
  "POST /api/console/requests/{id}/close": { ...consoleAction("close", "open"), hidden: true },
  "POST /api/console/requests/{id}/extend": { ...consoleAction("extend", "open", { duration: "PT30M" }), hidden: true },
  "GET /api/readiness": { handler: api("readiness"), call: () => ({}) },
  "POST /api/graph/notifications": {
    handler: (app) => app.graphNotifications,
    call: () => ({ json: { value: [{ subscriptionId: "sub-1", clientState: "not ours" }] } }),
  },
  "GET /api/audit?requestId=&limit=&after=": {
    handler: api("readAudit"),
    request: "standing",
    call: ({ id }) => ({ query: { requestId: id, limit: "5" } }),
  },
  "GET /api/audit?cluster=&from=&to=&limit=&after=": {
    handler: api("readAudit"),
    call: () => ({
      query: {
        cluster: "aks-prod-weu",
        from: new Date(T0.getTime() - DAY).toISOString(),
        to: new Date(T0.getTime() + DAY).toISOString(),
      },
    }),
  },
  "GET /api/audit?stream=&limit=&after=": {
    handler: api("readAudit"),
    call: () => ({ query: { stream: `security-${today}` } }),
  },
  "GET /api/audit/verify?requestId=": {
    handler: api("verifyAudit"),
    request: "standing",
    call: ({ id }) => ({ query: { requestId: id } }),
  },
  "GET /api/audit/verify?stream=": {
    handler: api("verifyAudit"),
    call: () => ({ query: { stream: `security-${today}` } }),
  },
  "POST /api/dev/token": { handler: dev("devToken"), call: () => ({ json: { user: USERS.alice.upn } }) },
  "GET /api/dev/login?user=&returnTo=": {
    handler: dev("devLogin"),
    call: () => ({ query: { user: USERS.bob.upn, returnTo: "/api/health" } }),
  },
  "GET /api/dev/outbox?requestId=": { handler: dev("devOutbox"), call: () => ({}) },
  "GET /api/dev/calls": { handler: dev("devCalls"), call: () => ({}) },
  "POST /api/dev/directory/groups/{group}/members": {
    handler: dev("devAddMember"),
    call: () => ({ params: { group: SIMULATION_GROUPS.emergency.displayName }, json: { user: ENGINEER.upn } }),
    after: (h) => h.world.directory.removeMember(SIMULATION_GROUPS.emergency.id, ENGINEER.oid),
  },
  "DELETE /api/dev/directory/groups/{group}/members/{user}": {
    handler: dev("devRemoveMember"),
    call: () => ({ method: "DELETE", params: { group: SIMULATION_GROUPS.emergency.id, user: ENGINEER.upn } }),
    before: (h) => h.world.directory.addMember(SIMULATION_GROUPS.emergency.id, ENGINEER.oid),
    after: (h) => h.world.directory.removeMember(SIMULATION_GROUPS.emergency.id, ENGINEER.oid),
  },
  "POST /api/dev/clusters/{name}/local-accounts": {
    handler: dev("devSetLocalAccounts"),
    call: () => ({ params: { name: "aks-prod-neu" }, json: { enabled: false } }),
  },
  "POST /api/dev/clusters/{name}/admin-credentials": {
    handler: dev("devAdminCredentials"),
    call: () => ({ method: "POST", params: { name: "aks-prod-neu" } }),
    before: (h) => h.world.clusterControl.setLocalAccountsOutOfBand(neu(h), true),
    after: (h) => h.world.clusterControl.setLocalAccountsOutOfBand(neu(h), false),
  },
  "POST /api/dev/clusters/{name}/kubectl": {
    handler: dev("devKubectl"),
    call: () => ({
      params: { name: "aks-prod-neu" },
      json: { verb: "get", resource: "pods", namespace: "default", name: "x" },
    }),
    // An admin credential fetched (NEU's certificates are never rotated here), so that a signed-in call succeeds.
    before: (h) => h.world.activityLog.recordAdminCredentialFetch(neu(h), USERS.alice.upn, h.clock.date()),
  },
  "POST /api/dev/clusters/{name}/faults": {
    handler: dev("devInjectFault"),
    call: () => ({ params: { name: "aks-prod-neu" }, json: { operation: "rotate", status: 500, count: 0 } }),
  },
  "POST /api/dev/clusters/{name}/permissions": {
    handler: dev("devSetPermission"),
    call: () => ({
      params: { name: "aks-prod-neu" },
      json: { action: "Microsoft.ContainerService/managedClusters/read", granted: true },
    }),
  },
  "POST /api/dev/clusters/{name}/emergency-role": {
    handler: dev("devSetEmergencyRole"),
    call: () => ({ params: { name: "aks-prod-neu" }, json: { assigned: true } }),
  },
  "POST /api/dev/clusters": {
    handler: dev("devAddCluster"),
    call: () => ({ json: { name: `aks-matrix-${randomUUID().slice(0, 8)}` } }),
  },
  "POST /api/dev/clusters/{name}/audit-logs": {
    handler: dev("devSetAuditLogs"),
    call: () => ({ params: { name: "aks-prod-neu" }, json: { enabled: true } }),
  },
};

// ---- the run -----------------------------------------------------------------------------------

/** Ends every live request (the matrix makes them on WEU), so that the next cell can make its own. */
async function endLiveRequests(h: Harness): Promise<void> {
  for (const found of await h.app.requests.list({ clusterId: WEU })) {
    if (isTerminal(found.status)) continue;
    const requester = (Object.keys(USERS) as UserName[]).find((name) => USERS[name].oid === found.requester.oid)!;
    await h.call(h.app.api.closeRequest, { as: requester, method: "POST", params: { id: found.id } });
    expect(isTerminal((await h.app.requests.get(found.id))!.status)).toBe(true);
  }
}

/** A request of `requester` on WEU, pending or (approved by bob) open. */
async function requestOf(h: Harness, requester: UserName, state: "pending" | "open"): Promise<string> {
  const created = await h.call(h.app.api.createRequest, { as: requester, json: NEW_REQUEST });
  expect(created.status).toBe(202);
  const { id } = created.body as { id: string };
  if (state === "open") {
    expect((await h.call(h.app.api.approveRequest, { as: "bob", method: "POST", params: { id } })).status).toBe(202);
    expect((await h.app.requests.get(id))?.status).toBe("open");
  }
  return id;
}

function verdictOf(reply: Reply): string {
  const body = reply.body as { error?: { code?: string } } | undefined;
  return `${reply.status}${body?.error?.code ? ` ${body.error.code}` : ""}`;
}

/** One cell of the matrix: a route, as the README writes it, called by one caller. */
interface MatrixCell {
  readonly route: string;
  readonly call: RouteCall;
  /** The README's who. */
  readonly who: string;
  readonly caller: CallerName;
  /** The requester of the request the route is about. */
  readonly requester?: UserName;
}

function* cellsOf(rows: readonly ReadmeRow[]): Generator<MatrixCell> {
  for (const row of rows) {
    for (const route of row.routes) {
      const call = ROUTES[route];
      if (!call) continue; // named by the first test
      for (const requester of call.request ? (["alice", "carol"] as const) : [undefined]) {
        for (const caller of CALLERS) yield { route, call, who: row.who, caller, ...(requester ? { requester } : {}) };
      }
    }
  }
}

/** Runs the matrix in one harness: each cell's call, and what it answered. */
class MatrixRun {
  /** Refused calls and reads change nothing, so they share one pending request per requester (on NEU). */
  private readonly standing = new Map<UserName, string>();
  private readonly tokens: ReturnType<typeof createReviewTokens>;

  constructor(private readonly h: Harness) {
    this.tokens = createReviewTokens(h.config.linkSigningKey, h.config.publicBaseUrl);
  }

  async answer(cell: MatrixCell, allowed: boolean): Promise<Reply> {
    const { h } = this;
    const { call, caller, requester } = cell;
    const fresh = allowed && (call.request === "pending" || call.request === "open");
    const id = !requester ? "" : fresh ? await requestOf(h, requester, call.request) : await this.standingOf(requester);
    const found = id ? await h.app.requests.get(id) : undefined;
    const linkToken = found
      ? new URL(await this.tokens.reviewUrl(id, found.approvalDeadline, h.clock.date())).searchParams.get("token")!
      : "";
    await call.before?.(h);
    const options = call.call({ h, caller, id, linkToken });
    const headers = { ...options.headers };
    if (caller !== "anonymous" && call.page) headers.cookie = `${DEV_SESSION_COOKIE}=${await h.token(caller)}`;
    const reply = await h.call(call.handler(h.app), {
      ...options,
      headers,
      ...(caller !== "anonymous" && !call.page ? { as: caller } : {}),
    });
    await call.after?.(h);
    if (fresh) await endLiveRequests(h);
    return reply;
  }

  private async standingOf(requester: UserName): Promise<string> {
    if (!this.standing.has(requester)) {
      const created = await this.h.call(this.h.app.api.createRequest, {
        as: requester,
        json: { ...NEW_REQUEST, cluster: NEU },
      });
      this.standing.set(requester, (created.body as { id: string }).id);
    }
    return this.standing.get(requester)!;
  }
}

describe("the authorization matrix of the README's HTTP API table", () => {
  let h: Harness;
  const rows = readmeApiTable(readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8"));

  beforeAll(async () => {
    h = await createHarness();
    await h.world.directory.addUser(ENGINEER);
    // A refusal, so that the day's security stream has something to read and verify.
    await h.call(h.app.api.createRequest, { as: "mallory", json: NEW_REQUEST });
  });

  it("names every route and phrase of the table, and every handler of the app", () => {
    const routes = rows.flatMap((row) => row.routes);
    expect(
      routes.filter((route) => !(route in ROUTES)),
      "README routes without a ROUTES entry",
    ).toEqual([]);
    expect(
      Object.keys(ROUTES).filter((route) => !routes.includes(route)),
      "ROUTES the README lost",
    ).toEqual([]);
    const phrases = rows.map((row) => row.who);
    expect(
      phrases.filter((phrase) => !(phrase in WHO)),
      "who phrases without a WHO entry",
    ).toEqual([]);
    const handlers = new Set(Object.values(ROUTES).map((route) => route.handler(h.app)));
    const everyHandler = [
      ...Object.values(h.app.api),
      ...Object.values(h.app.review),
      ...Object.values(h.app.console),
      ...Object.values(h.app.dev!),
      h.app.graphNotifications,
    ];
    expect(everyHandler.filter((handler) => !handlers.has(handler)).length, "handlers no route calls").toBe(0);
  });

  it("lets exactly the README's who through, on every route, and refuses the others as the contract says", async () => {
    // Who may see a request at all: a signed-in caller who may not is refused with a 404 on the routes that hide it.
    const viewers = WHO[rows.find((row) => row.routes.includes("GET /api/requests/{id}"))!.who]!;
    const run = new MatrixRun(h);
    const mismatches: string[] = [];
    for (const cell of cellsOf(rows)) {
      const allows = WHO[cell.who];
      if (!allows) continue; // named by the first test
      const who = callerOf(cell.caller, cell.requester);
      const allowed = allows(who);
      const reply = await run.answer(cell, allowed);
      const refusal = cell.caller === "anonymous" ? 401 : cell.call.hidden && !viewers(who) ? 404 : 403;
      const ok = allowed ? reply.status >= 200 && reply.status < 400 : reply.status === refusal;
      if (!ok) {
        const as = `${cell.caller}${cell.requester ? ` (request of ${cell.requester})` : ""}`;
        const expected = allowed ? "allowed" : `refused with ${refusal}`;
        mismatches.push(
          `${cell.route} as ${as}: the README says "${cell.who}", so ${expected}; the code answered ${verdictOf(reply)}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  });
});
