// Hostile and clumsy input on every endpoint, generated (fast-check) rather than listed: bodies of
// every wrong shape, type, size and encoding, wrong media types, odd headers, forged and expired
// credentials, ids, names and query parameters that name nothing. Whatever arrives, the answer is a
// 4xx in the contract's shape (a JSON error, or a page for the browser's routes) — never a 5xx,
// never a stack trace — and nothing changes: every table row and every workflow instance is as it
// was. Runs are bounded; the seed is fixed when CI is set and random otherwise (fast-check prints it
// on failure; FC_SEED=<seed> replays one).
import fc from "fast-check";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { DevTokenIssuer } from "../../src/adapters/simulation/devTokens.js";
import type { App } from "../../src/app/composition.js";
import { SIMULATION_GROUPS, SIMULATION_USERS } from "../../src/app/simulationDefaults.js";
import { ARM_ACTION_NAMES, ARM_ACTIONS } from "../../src/domain/armActions.js";
import { isDailyStream } from "../../src/domain/audit.js";
import { clusterNamed, findManagedCluster } from "../../src/domain/clusters.js";
import { ERROR_CODES } from "../../src/domain/codes.js";
import { isRequestId } from "../../src/domain/ids.js";
import { isRequestStatus } from "../../src/domain/lifecycle.js";
import { MAX_BODY_BYTES } from "../../src/http/body.js";
import { KUBERNETES_VERBS } from "../../src/http/devKubectl.js";
import { DEV_SESSION_COOKIE } from "../../src/http/dev.js";
import type { HttpHandler } from "../../src/http/handler.js";
import { createReviewTokens } from "../../src/http/reviewTokens.js";
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
import { stateSnapshot, type StateSnapshot } from "../support/stateSnapshot.js";

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? 20261128 : undefined;
const runs = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });
const TIMEOUT_MS = 60_000;

// ---- the world the input is thrown at -------------------------------------------------------------

let h: Harness;
let before: StateSnapshot;
/** Alice's pending request on WEU, carol's open window on NEU, and the pending one's review link. */
const world = { pending: "", open: "", linkToken: "", bobCsrf: "" };
const ENGINEER = engineer(0);

beforeAll(async () => {
  h = await createHarness();
  await h.world.directory.addUser(ENGINEER);
  const create = async (as: UserName, cluster: string) => {
    const reply = await h.call(h.app.api.createRequest, { as, json: { cluster, justification: "x", ticket: "y" } });
    expect(reply.status).toBe(202);
    return (reply.body as { id: string }).id;
  };
  world.pending = await create("alice", WEU);
  world.open = await create("carol", NEU);
  await h.call(h.app.api.approveRequest, { as: "bob", method: "POST", params: { id: world.open } });
  expect((await h.app.requests.get(world.open))?.status).toBe("open");
  const tokens = createReviewTokens(h.config.linkSigningKey, h.config.publicBaseUrl);
  const { approvalDeadline } = (await h.app.requests.get(world.pending))!;
  world.linkToken = new URL(await tokens.reviewUrl(world.pending, approvalDeadline, T0)).searchParams.get("token")!;
  world.bobCsrf = tokens.csrf(USERS.bob.oid, world.pending);
  await h.call(h.app.api.createRequest, { as: "mallory", json: { cluster: WEU, justification: "x", ticket: "y" } });
  credentials.push(...(await craftedTokens(h)).map((token) => `Bearer ${token}`));
  before = await stateSnapshot(h);
}, TIMEOUT_MS);

// ---- what every answer must be ----------------------------------------------------------------------

/** Text that only a bug would put in an answer: a stack frame, a path, an exception's name. */
const INTERNAL = /\bat \S+ \(|\.(?:ts|js):\d+|node_modules|\/work\/|TypeError|ReferenceError|RestError|ECONN/;

interface Sent {
  readonly route: Route;
  readonly call: CallOptions;
}

/** Sends `call` to the route as its caller (by token, or by session cookie on pages). */
async function send({ route, call }: Sent): Promise<Reply> {
  const headers = { ...call.headers };
  if (route.as && route.page) {
    const session = `${DEV_SESSION_COOKIE}=${await h.token(route.as)}`;
    headers.cookie = headers.cookie ? `${headers.cookie}; ${session}` : session;
  }
  return h.call(route.handler(h.app), {
    method: route.method,
    ...(route.as && !route.page ? { as: route.as } : {}),
    ...call,
    headers,
  });
}

/** A refusal in the contract's shape, one of `statuses`, and nothing changed. */
async function expectRefused(route: Route, reply: Reply, statuses: readonly number[]) {
  // A change is reported once: the next runs (the shrinking ones too) compare with what it left.
  const was = before;
  before = await stateSnapshot(h);
  expect(statuses, `answered ${reply.status}: ${JSON.stringify(reply.body)}`).toContain(reply.status);
  expect(reply.headers.get("cache-control")).toBe("no-store");
  expect(reply.headers.get("x-content-type-options")).toBe("nosniff");
  if (route.page) {
    expect(reply.headers.get("content-type")).toMatch(/^text\/html/);
    expect(String(reply.body)).not.toMatch(INTERNAL);
  } else {
    expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    const { code, message } = (reply.body as { error: { code: string; message: string } }).error;
    expect(ERROR_CODES).toContain(code);
    expect(message).not.toMatch(INTERNAL);
  }
  expect(before, "the state changed").toEqual(was);
}

/** An answer that is not a refusal, and nothing changed. */
async function expectUnchanged() {
  const was = before;
  before = await stateSnapshot(h);
  expect(before, "the state changed").toEqual(was);
}

// ---- hostile values ---------------------------------------------------------------------------------

/** Any text at all: unicode, control characters, lone surrogates, huge, and the usual tricks. */
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "../../etc/passwd",
    "a/b",
    "a#b",
    "a?b",
    "a\\b",
    "\u0000",
    "%00",
    "' or 1 eq 1 or '",
    "\u202eevil",
    "<script>alert(1)</script>",
    "x".repeat(2000),
    "bg-",
    "bg-01m8gshv80v200jgzv74xjm1zr\n",
  ),
);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const notAnObject = fc.jsonValue().filter((value) => !isObject(value));

function fits(field: Field, value: unknown): boolean {
  if (field.kind === "string" || field.kind === "enum") return typeof value === "string";
  if (field.kind === "boolean") return typeof value === "boolean";
  return typeof value === "number";
}

/** A string that is still longer than `max` after trimming (unicode and control characters inside). */
const tooLong = (max: number) =>
  fc.string({ unit: "binary", maxLength: 30 }).map((inner) => `x${inner}${"y".repeat(max)}`);

/** Text a text field refuses: too long, or not one of its values. */
function wrongText(field: Field): fc.Arbitrary<string> | undefined {
  if (field.kind === "string") return tooLong(field.max);
  if (field.kind === "enum") return anyText.filter((text) => !field.values.includes(text));
  return undefined;
}

/** Bodies the route's schema refuses: never its shape, whatever else they are. */
function invalidBodies(body: NonNullable<Route["body"]>): fc.Arbitrary<unknown> {
  if (body.invalid) return body.invalid;
  const names = Object.keys(body.fields);
  const required = names.filter((name) => !body.fields[name]!.optional);
  const withField = (name: string, value: unknown) => ({ ...body.valid(), [name]: value });
  const choices: fc.Arbitrary<unknown>[] = [
    notAnObject,
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue())
      .filter(([name]) => !names.includes(name))
      .map(([name, value]) => withField(name, value)),
  ];
  if (names.length) {
    choices.push(
      fc.constantFrom(...names).chain((name) => {
        const field = body.fields[name]!;
        return fc
          .jsonValue()
          .filter((value) => !fits(field, value) && value !== undefined)
          .map((value) => withField(name, value));
      }),
    );
    const texts = names.filter((name) => wrongText(body.fields[name]!));
    if (texts.length) {
      choices.push(
        fc.constantFrom(...texts).chain((name) => wrongText(body.fields[name]!)!.map((text) => withField(name, text))),
      );
    }
  }
  if (required.length) {
    choices.push(
      fc.constantFrom(...required).map((name) => {
        const { [name]: _dropped, ...rest } = body.valid();
        return rest;
      }),
    );
  }
  if (body.refused) choices.push(body.refused);
  return fc.oneof(...choices);
}

/** Graph's notifications are nested: a value array of objects with a subscription id. */
const invalidNotifications: fc.Arbitrary<unknown> = fc.oneof(
  notAnObject,
  fc
    .jsonValue()
    .filter((value) => !Array.isArray(value))
    .map((value) => ({ value })),
  fc.constant({ value: [] }),
  fc.array(notAnObject, { minLength: 1, maxLength: 3 }).map((value) => ({ value })),
  fc
    .jsonValue()
    .filter((id) => typeof id !== "string")
    .map((subscriptionId) => ({ value: [{ subscriptionId }] })),
  fc.constantFrom("", "s".repeat(201)).map((subscriptionId) => ({ value: [{ subscriptionId }] })),
  fc
    .jsonValue()
    .filter((state) => typeof state !== "string" && state !== null)
    .map((clientState) => ({ value: [{ subscriptionId: "sub-1", clientState }] })),
  fc.constant({ value: [{ subscriptionId: "sub-1", clientState: "c".repeat(1025) }] }),
);

const JSON_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "Application/JSON",
  "application/merge-patch+json",
];
const WRONG_TYPES = fc.oneof(
  fc.constantFrom(
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/jsonx",
    "json",
    "*/*",
  ),
  fc.stringMatching(/^[a-z]{1,12}\/[a-z.+-]{1,12}$/).filter((type) => !/json/.test(type)),
);

/** Headers that must not change the answer: proxies' and App Service's, a bad Idempotency-Key, lies about length. */
const oddHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "idempotency-key",
      "x-forwarded-for",
      "x-forwarded-host",
      "x-ms-client-principal",
      "x-ms-client-principal-id",
      "x-ms-token-aad-id-token",
      "x-http-method-override",
      "accept",
      "origin",
      "referer",
      "user-agent",
      "cookie",
      "content-encoding",
    ),
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  ),
  fc.oneof(
    fc.string({ unit: "grapheme-ascii", maxLength: 100 }),
    fc.constantFrom("", "k".repeat(129), "k".repeat(4000), "caf\u00e9"),
  ),
  { maxKeys: 3 },
);
const lyingLength = fc.option(fc.constantFrom("0", "-1", "abc", "1e3", String(MAX_BODY_BYTES + 1), "99999999999"), {
  nil: undefined,
});

/** Hostile bodies for a route with a JSON body, as sent: text (or bytes) and its media type. */
function hostileJson(body: NonNullable<Route["body"]>): fc.Arbitrary<CallOptions> {
  const typed = (type: string | undefined, text: string): CallOptions => ({
    body: text,
    headers: type === undefined ? {} : { "content-type": type },
  });
  const shapes = invalidBodies(body);
  const choices: fc.Arbitrary<CallOptions>[] = [
    fc.tuple(shapes, fc.constantFrom(...JSON_TYPES)).map(([value, type]) => typed(type, JSON.stringify(value))),
    fc
      .constant(null)
      .chain(() => {
        const text = JSON.stringify(body.valid());
        return fc.integer({ min: 1, max: text.length - 1 }).map((cut) => text.slice(0, cut));
      })
      .map((text) => typed("application/json", text)),
    fc
      .string({ unit: "binary", minLength: 1, maxLength: 80 })
      .filter((text) => text.trim() !== "" && !parses(text))
      .map((text) => typed("application/json", text)),
    fc.option(WRONG_TYPES, { nil: undefined }).map((type) => typed(type, JSON.stringify(body.valid()))),
    fc
      .integer({ min: MAX_BODY_BYTES + 1, max: 2 * MAX_BODY_BYTES })
      .map((size) => typed("application/json", JSON.stringify({ ...body.valid(), padding: "p".repeat(size) }))),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => ({
      bytes: Uint8Array.from([0x7b, 0xff, ...bytes]),
      headers: { "content-type": "application/json" },
    })),
  ];
  if (!body.emptyAllowed) choices.push(fc.constantFrom("", " ", "\n\t").map((text) => typed("application/json", text)));
  return fc.oneof(...choices);
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const FORM = "application/x-www-form-urlencoded";
const formCall = (fields: Record<string, string>, type: string | undefined): CallOptions => ({
  body: new URLSearchParams(fields).toString(),
  headers: type === undefined ? {} : { "content-type": type },
});
/** A decision the page would take, but for what is added to it. */
const decided = (more: Record<string, string>) => ({
  token: world.linkToken,
  csrf: world.bobCsrf,
  decision: "approve",
  ...more,
});

/** Hostile forms for the review page's decision: never a decision it may take. */
const hostileForm: fc.Arbitrary<CallOptions> = fc.oneof(
  fc
    .record({
      token: fc.oneof(fc.constant(""), anyText),
      csrf: fc.oneof(fc.constant(""), anyText),
      decision: anyText.filter((decision) => decision !== "approve" && decision !== "deny"),
      reason: anyText,
    })
    .map(({ token, csrf, ...rest }) =>
      formCall({ ...rest, token: token || world.linkToken, csrf: csrf || world.bobCsrf }, FORM),
    ),
  tooLong(1000).map((reason) => formCall(decided({ reason }), FORM)),
  fc
    .tuple(
      fc.option(
        WRONG_TYPES.filter((type) => !type.startsWith(FORM)),
        { nil: undefined },
      ),
      anyText,
    )
    .map(([type, extra]) => formCall(decided({ extra }), type)),
  fc
    .integer({ min: MAX_BODY_BYTES + 1, max: 2 * MAX_BODY_BYTES })
    .map((size) => formCall(decided({ pad: "p".repeat(size) }), FORM)),
);

// ---- the routes -------------------------------------------------------------------------------------

type Field = { readonly optional?: true } & (
  | { readonly kind: "string"; readonly max: number }
  | { readonly kind: "boolean" }
  | { readonly kind: "integer" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
);

interface Route {
  readonly name: string;
  readonly handler: (app: App) => HttpHandler;
  readonly method: "GET" | "POST" | "DELETE";
  /** Who calls it in the properties where the input alone is wrong (no one: it takes no sign-in). */
  readonly as?: UserName;
  /** A browser page: answers with HTML, and signs in with the session cookie. */
  readonly page?: true;
  /** It signs its caller in (a bad credential is a 401): always, or when a credential is sent. */
  readonly authenticated?: "always" | "when-sent";
  readonly params?: () => Record<string, string>;
  readonly query?: () => Record<string, string>;
  /** Its JSON body: a valid one, and the schema's fields. */
  readonly body?: {
    readonly valid: () => Record<string, unknown>;
    readonly fields: Readonly<Record<string, Field>>;
    /** An empty body stands for `{}`. */
    readonly emptyAllowed?: true;
    /** Bodies of the right shape that the route must still refuse. */
    readonly refused?: fc.Arbitrary<Record<string, unknown>>;
    /** Bodies of the wrong shape, where the fields above cannot say it (nested ones). */
    readonly invalid?: fc.Arbitrary<unknown>;
  };
  /** Its form body (the review page's decision), valid. */
  readonly form?: () => Record<string, string>;
}

const api = (name: keyof App["api"]) => (app: App) => app.api[name];
const dev = (name: keyof NonNullable<App["dev"]>) => (app: App) => app.dev![name];
const review = (name: keyof App["review"]) => (app: App) => app.review[name];

/** Not an ISO-8601 duration at all (every one starts with P). */
const notDuration = fc.string({ maxLength: 60 }).filter((text) => !/^\s*p/i.test(text));

const ROUTES = {
  health: { name: "GET /api/health", handler: api("health"), method: "GET" },
  createRequest: {
    name: "POST /api/requests",
    handler: api("createRequest"),
    method: "POST",
    as: "alice",
    authenticated: "always",
    body: {
      valid: () => ({ cluster: NEU, justification: "outage", ticket: "INC-1" }),
      fields: {
        cluster: { kind: "string", max: 512 },
        justification: { kind: "string", max: 2000 },
        ticket: { kind: "string", max: 200 },
        duration: { kind: "string", max: 40, optional: true },
      },
      refused: notDuration
        .filter((duration) => duration.trim() !== "")
        .map((duration) => ({ cluster: NEU, justification: "outage", ticket: "INC-1", duration })),
    },
  },
  getRequest: {
    name: "GET /api/requests/{id}",
    handler: api("getRequest"),
    method: "GET",
    as: "bob",
    authenticated: "always",
    params: () => ({ id: world.pending }),
  },
  requestEvidence: {
    name: "GET /api/requests/{id}/evidence",
    handler: api("requestEvidence"),
    method: "GET",
    as: "bob",
    authenticated: "always",
    params: () => ({ id: world.pending }),
  },
  listRequests: {
    name: "GET /api/requests",
    handler: api("listRequests"),
    method: "GET",
    as: "bob",
    authenticated: "always",
  },
  reviewRequest: {
    name: "GET /api/requests/{id}/review",
    handler: review("reviewRequest"),
    method: "GET",
    as: "bob",
    page: true,
    authenticated: "always",
    params: () => ({ id: world.pending }),
    query: () => ({ token: world.linkToken }),
  },
  submitReview: {
    name: "POST /api/requests/{id}/review",
    handler: review("submitReview"),
    method: "POST",
    as: "bob",
    page: true,
    authenticated: "always",
    params: () => ({ id: world.pending }),
    form: () => ({ token: world.linkToken, csrf: world.bobCsrf, decision: "deny", reason: "no" }),
  },
  approveRequest: {
    name: "POST /api/requests/{id}/approve",
    handler: api("approveRequest"),
    method: "POST",
    as: "bob",
    authenticated: "always",
    params: () => ({ id: world.pending }),
    body: { valid: () => ({}), fields: {}, emptyAllowed: true },
  },
  denyRequest: {
    name: "POST /api/requests/{id}/deny",
    handler: api("denyRequest"),
    method: "POST",
    as: "bob",
    authenticated: "always",
    params: () => ({ id: world.pending }),
    body: {
      valid: () => ({ reason: "no" }),
      fields: { reason: { kind: "string", max: 1000, optional: true } },
      emptyAllowed: true,
    },
  },
  closeRequest: {
    name: "POST /api/requests/{id}/close",
    handler: api("closeRequest"),
    method: "POST",
    as: "alice",
    authenticated: "always",
    params: () => ({ id: world.pending }),
    body: { valid: () => ({}), fields: {}, emptyAllowed: true },
  },
  extendRequest: {
    name: "POST /api/requests/{id}/extend",
    handler: api("extendRequest"),
    method: "POST",
    as: "carol",
    authenticated: "always",
    params: () => ({ id: world.open }),
    body: {
      valid: () => ({ duration: "PT30M" }),
      fields: { duration: { kind: "string", max: 40 } },
      refused: notDuration.filter((duration) => duration.trim() !== "").map((duration) => ({ duration })),
    },
  },
  listClusters: {
    name: "GET /api/clusters",
    handler: api("listClusters"),
    method: "GET",
    as: "alice",
    authenticated: "always",
  },
  readiness: {
    name: "GET /api/readiness",
    handler: api("readiness"),
    method: "GET",
    as: "bob",
    authenticated: "always",
  },
  readAudit: {
    name: "GET /api/audit",
    handler: api("readAudit"),
    method: "GET",
    as: "bob",
    authenticated: "always",
    query: () => ({ requestId: world.pending }),
  },
  verifyAudit: {
    name: "GET /api/audit/verify",
    handler: api("verifyAudit"),
    method: "GET",
    as: "bob",
    authenticated: "always",
    query: () => ({ requestId: world.pending }),
  },
  graphNotifications: {
    name: "POST /api/graph/notifications",
    handler: (app) => app.graphNotifications,
    method: "POST",
    body: {
      valid: () => ({ value: [{ subscriptionId: "sub-1", clientState: "not ours" }] }),
      fields: {},
      invalid: invalidNotifications,
    },
  },
  devToken: {
    name: "POST /api/dev/token",
    handler: dev("devToken"),
    method: "POST",
    body: { valid: () => ({ user: USERS.alice.upn }), fields: { user: { kind: "string", max: 256 } } },
  },
  devLogin: { name: "GET /api/dev/login", handler: dev("devLogin"), method: "GET" },
  devOutbox: { name: "GET /api/dev/outbox", handler: dev("devOutbox"), method: "GET" },
  devCalls: { name: "GET /api/dev/calls", handler: dev("devCalls"), method: "GET" },
  devAddMember: {
    name: "POST /api/dev/directory/groups/{group}/members",
    handler: dev("devAddMember"),
    method: "POST",
    authenticated: "when-sent",
    params: () => ({ group: SIMULATION_GROUPS.emergency.displayName }),
    body: { valid: () => ({ user: ENGINEER.upn }), fields: { user: { kind: "string", max: 256 } } },
  },
  devRemoveMember: {
    name: "DELETE /api/dev/directory/groups/{group}/members/{user}",
    handler: dev("devRemoveMember"),
    method: "DELETE",
    authenticated: "when-sent",
    params: () => ({ group: SIMULATION_GROUPS.emergency.displayName, user: ENGINEER.upn }),
  },
  devSetLocalAccounts: {
    name: "POST /api/dev/clusters/{name}/local-accounts",
    handler: dev("devSetLocalAccounts"),
    method: "POST",
    params: () => ({ name: "aks-prod-weu" }),
    body: { valid: () => ({ enabled: true }), fields: { enabled: { kind: "boolean" } } },
  },
  devSetPermission: {
    name: "POST /api/dev/clusters/{name}/permissions",
    handler: dev("devSetPermission"),
    method: "POST",
    params: () => ({ name: "aks-prod-weu" }),
    body: {
      valid: () => ({ action: ARM_ACTIONS.readCluster.action, granted: true }),
      fields: { action: { kind: "enum", values: ARM_ACTION_NAMES }, granted: { kind: "boolean" } },
    },
  },
  devSetEmergencyRole: {
    name: "POST /api/dev/clusters/{name}/emergency-role",
    handler: dev("devSetEmergencyRole"),
    method: "POST",
    params: () => ({ name: "aks-prod-weu" }),
    body: { valid: () => ({ assigned: true }), fields: { assigned: { kind: "boolean" } } },
  },
  devAddCluster: {
    name: "POST /api/dev/clusters",
    handler: dev("devAddCluster"),
    method: "POST",
    body: {
      valid: () => ({ name: "aks-fleet-1", tags: { breakglass: "enabled" } }),
      fields: { name: { kind: "string", max: 63 } },
      invalid: fc.oneof(
        notAnObject,
        fc.constantFrom("", "-starts-with-dash", "has space", "a/b", "x".repeat(64)).map((name) => ({ name })),
        fc
          .jsonValue()
          .filter((tags) => !isObject(tags))
          .map((tags) => ({ name: "aks-fleet-1", tags })),
        fc.constant({ name: "aks-fleet-1", tags: { breakglass: 1 } }),
        fc.constant({ name: "aks-fleet-1", tags: { ["k".repeat(513)]: "v" } }),
        fc.constant({
          name: "aks-fleet-1",
          tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "v"])),
        }),
        fc.constant({ name: "aks-fleet-1", extra: true }),
      ),
    },
  },
  devSetAuditLogs: {
    name: "POST /api/dev/clusters/{name}/audit-logs",
    handler: dev("devSetAuditLogs"),
    method: "POST",
    params: () => ({ name: "aks-prod-weu" }),
    body: { valid: () => ({ enabled: true }), fields: { enabled: { kind: "boolean" } } },
  },
  devAdminCredentials: {
    name: "POST /api/dev/clusters/{name}/admin-credentials",
    handler: dev("devAdminCredentials"),
    method: "POST",
    as: "alice",
    authenticated: "always",
    params: () => ({ name: "aks-prod-neu" }),
  },
  devKubectl: {
    name: "POST /api/dev/clusters/{name}/kubectl",
    handler: dev("devKubectl"),
    method: "POST",
    as: "alice",
    authenticated: "always",
    params: () => ({ name: "aks-prod-weu" }),
    body: {
      valid: () => ({ verb: "delete", resource: "pods", namespace: "kube-system", name: "coredns" }),
      fields: {
        verb: { kind: "enum", values: KUBERNETES_VERBS },
        resource: { kind: "string", max: 127 },
        namespace: { kind: "string", max: 63, optional: true },
        name: { kind: "string", max: 253, optional: true },
      },
      // Text of the right length that names nothing Kubernetes would, and a name where the verb takes none.
      refused: fc.oneof(
        anyText
          .filter((text) => !/^[a-z][a-z0-9-]{0,62}(?:\/[a-z][a-z0-9-]{0,62})?$/.test(text))
          .map((resource) => ({ verb: "list", resource })),
        anyText
          .filter((text) => !/^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/.test(text))
          .map((namespace) => ({ verb: "list", resource: "pods", namespace })),
        anyText
          .filter((text) => !/^[a-z0-9](?:[-a-z0-9.:]*[a-z0-9])?$/.test(text))
          .map((name) => ({ verb: "get", resource: "pods", name })),
        fc.constantFrom("list", "deletecollection").map((verb) => ({ verb, resource: "pods", name: "x" })),
      ),
    },
  },
  devInjectFault: {
    name: "POST /api/dev/clusters/{name}/faults",
    handler: dev("devInjectFault"),
    method: "POST",
    params: () => ({ name: "aks-prod-weu" }),
    body: {
      valid: () => ({ operation: "enable", status: 409, count: 1 }),
      fields: {
        operation: { kind: "enum", values: ["enable", "disable", "rotate", "logs"] },
        status: { kind: "integer" },
        count: { kind: "integer", optional: true },
        retryAfterSeconds: { kind: "integer", optional: true },
      },
      refused: fc.oneof(
        fc
          .integer({ min: -1000, max: 1000 })
          .filter((status) => ![400, 404, 409, 412, 429].includes(status) && (status < 500 || status > 599))
          .map((status) => ({ operation: "enable", status })),
        fc.constantFrom(400, 404, 409, 412).map((status) => ({ operation: "logs", status })),
        fc
          .oneof(fc.integer({ max: -1 }), fc.integer({ min: 1001 }))
          .map((count) => ({ operation: "rotate", status: 500, count })),
        fc
          .oneof(fc.integer({ max: -1 }), fc.integer({ min: 3601 }))
          .map((retryAfterSeconds) => ({ operation: "disable", status: 429, retryAfterSeconds })),
        fc
          .double({ noInteger: true, noDefaultInfinity: true, noNaN: true })
          .map((count) => ({ operation: "enable", status: 409, count })),
      ),
    },
  },
} satisfies Record<string, Route>;

// ---- forged and broken credentials ----------------------------------------------------------------

/** Authorization values that must never sign anyone in; crafted tokens join them in beforeAll. */
const credentials: string[] = [
  "Basic YWxpY2U6cHc=",
  "Bearer",
  "Bearer ",
  "Bearer a.b",
  "Bearer a.b.c",
  "Bearer ...",
  "Negotiate YWxpY2U=",
  "Token a.b.c",
];

/** Tokens that look right and are not: forged, expired, early, unsigned, tampered, for someone else. */
async function craftedTokens(harness: Harness): Promise<string[]> {
  const { config } = harness;
  const alice = USERS.alice;
  const stranger = await DevTokenIssuer.create({
    authorityHost: config.endpoints.authority,
    tenantId: config.tenantId,
    audience: config.apiAudience,
  });
  const strangerOtherAudience = await DevTokenIssuer.create({
    authorityHost: config.endpoints.authority,
    tenantId: config.tenantId,
    audience: "api://someone-else",
  });
  const issue = async (at: Date, lifetime?: number) =>
    (await harness.world.tokens.issue(alice, at, lifetime)).access_token;
  const genuine = await issue(T0);
  const [header, payload, signature] = genuine.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const tampered = (changes: Record<string, unknown>) => `${header}.${encode({ ...claims, ...changes })}.${signature}`;
  return [
    (await stranger.issue(alice, T0)).access_token,
    (await strangerOtherAudience.issue(alice, T0)).access_token,
    await issue(new Date(T0.getTime() - 2 * 3600_000)),
    await issue(new Date(T0.getTime() + 2 * 3600_000)),
    `${encode({ alg: "none", typ: "JWT" })}.${payload}.`,
    tampered({ oid: USERS.bob.oid }),
    tampered({ aud: "api://someone-else" }),
    tampered({ exp: Math.floor(T0.getTime() / 1000) + 365 * 24 * 3600 }),
    `${encode({ alg: "HS256", typ: "JWT" })}.${payload}.${signature}`,
    await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("guessed-secret")),
    `${genuine}x`,
    `${genuine}.${signature}`,
  ];
}

const badCredential = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 200 }),
  fc
    .array(
      fc.base64String({ maxLength: 60 }).map((part) => part.replace(/[+/=]/g, "")),
      { minLength: 3, maxLength: 3 },
    )
    .map((parts) => `Bearer ${parts.join(".")}`),
  fc.constant(null).chain(() => fc.constantFrom(...credentials)),
);

// ---- names, ids and queries that name nothing -------------------------------------------------

const users = SIMULATION_USERS.flatMap((user) => [user.upn, user.oid]).concat(ENGINEER.upn, ENGINEER.oid);
const groups = Object.values(SIMULATION_GROUPS).flatMap((group) => [group.id, group.displayName]);
const named = (names: readonly string[]) => (text: string) =>
  names.some((name) => name.toLowerCase() === text.trim().toLowerCase());
const ulid = fc.stringMatching(/^bg-[0-9a-hjkmnp-tv-z]{26}$/);
const unknownId = fc.oneof(anyText, ulid).filter((id) => id !== world.pending && id !== world.open);
const notRequestId = anyText.filter((text) => !isRequestId(text));
const notClusterName = anyText.filter((text) => !named(["aks-prod-weu", "aks-prod-neu"])(text));
const nobody = anyText.filter((text) => text.trim() !== "" && text.trim().length <= 256 && !named(users)(text));
const noGroup = anyText.filter((text) => !named(groups)(text));
const badLimit = fc.oneof(
  fc.constantFrom("0", "-1", "501", "1.5", "1e2", "", " 1", "0x10", "99999999999999999999"),
  anyText.filter((text) => !/^\d+$/.test(text)),
);
/** Questions for the trail that ask for nothing it has: no request, no stream, several, or none. */
const noQuestion = fc.oneof(
  notRequestId.map((requestId) => ({ requestId })),
  anyText.filter((text) => !isDailyStream(text)).map((stream) => ({ stream })),
  fc.tuple(anyText, anyText).map(([requestId, stream]) => ({ requestId, stream })),
  fc.constant({}),
);
/** ...and pages of a trail, or ranges, that cannot be. */
const auditQuestions = fc.oneof(
  noQuestion,
  badLimit.map((limit) => ({ requestId: world.pending, limit })),
  anyText.filter((text) => !/^\d+$/.test(text)).map((after) => ({ requestId: world.pending, after })),
  anyText
    .filter((text) => !clusterNamed(h.config.clusters, text))
    .map((cluster) => ({ cluster, from: "2026-11-01", to: "2026-12-01" })),
);

interface Probe {
  readonly route: Route;
  readonly call: fc.Arbitrary<CallOptions>;
  readonly statuses: readonly number[];
}

const json = (value: unknown): CallOptions => ({ json: value });
const PROBES: readonly Probe[] = [
  ...[ROUTES.getRequest, ROUTES.requestEvidence, ROUTES.approveRequest, ROUTES.denyRequest, ROUTES.closeRequest].map(
    (route) => ({
      route,
      call: unknownId.map((id) => ({ params: { id } })),
      statuses: [404],
    }),
  ),
  {
    route: ROUTES.extendRequest,
    call: unknownId.map((id) => ({ params: { id }, ...json({ duration: "PT30M" }) })),
    statuses: [404],
  },
  {
    route: ROUTES.listRequests,
    call: fc.oneof(
      anyText.filter((text) => !isRequestStatus(text)).map((status) => ({ query: { status } })),
      anyText.filter((text) => !findManagedCluster(h.config.clusters, text)).map((cluster) => ({ query: { cluster } })),
    ),
    statuses: [400],
  },
  { route: ROUTES.readAudit, call: auditQuestions.map((query) => ({ query })), statuses: [400] },
  {
    route: ROUTES.verifyAudit,
    call: fc
      .oneof(
        noQuestion,
        ulid.map((requestId) => ({ requestId })),
      )
      .map((query) => ({ query })),
    statuses: [400, 404],
  },
  { route: ROUTES.devOutbox, call: notRequestId.map((requestId) => ({ query: { requestId } })), statuses: [400] },
  { route: ROUTES.devToken, call: nobody.map((user) => json({ user })), statuses: [404] },
  {
    route: ROUTES.devAddMember,
    call: fc.oneof(
      noGroup.map((group) => ({ params: { group }, ...json({ user: ENGINEER.upn }) })),
      nobody.map((user) => ({ params: { group: SIMULATION_GROUPS.emergency.id }, ...json({ user }) })),
    ),
    statuses: [404],
  },
  {
    route: ROUTES.devRemoveMember,
    call: fc.oneof(
      noGroup.map((group) => ({ params: { group, user: ENGINEER.upn } })),
      nobody.map((user) => ({ params: { group: SIMULATION_GROUPS.emergency.id, user } })),
    ),
    statuses: [404],
  },
  {
    route: ROUTES.devSetLocalAccounts,
    call: notClusterName.map((name) => ({ params: { name }, ...json({ enabled: true }) })),
    statuses: [404],
  },
  {
    route: ROUTES.devInjectFault,
    call: notClusterName.map((name) => ({ params: { name }, ...json({ operation: "enable", status: 409 }) })),
    statuses: [404],
  },
  {
    route: ROUTES.devAdminCredentials,
    call: notClusterName.map((name) => ({ params: { name } })),
    statuses: [404],
  },
  {
    route: ROUTES.devKubectl,
    call: notClusterName.map((name) => ({ params: { name }, ...json({ verb: "list", resource: "pods" }) })),
    statuses: [404],
  },
  {
    route: ROUTES.devSetPermission,
    call: notClusterName.map((name) => ({
      params: { name },
      ...json({ action: ARM_ACTIONS.writeCluster.action, granted: false }),
    })),
    statuses: [404],
  },
  {
    route: ROUTES.devSetEmergencyRole,
    call: notClusterName.map((name) => ({ params: { name }, ...json({ assigned: false }) })),
    statuses: [404],
  },
  {
    route: ROUTES.devSetAuditLogs,
    call: notClusterName.map((name) => ({ params: { name }, ...json({ enabled: false }) })),
    statuses: [404],
  },
  {
    route: ROUTES.reviewRequest,
    call: fc.oneof(
      unknownId.map((id) => ({ params: { id }, query: { token: world.linkToken } })),
      anyText.map((token) => ({ params: { id: world.pending }, query: { token } })),
    ),
    statuses: [403, 404],
  },
  {
    route: ROUTES.submitReview,
    call: unknownId.map((id) => ({ params: { id }, ...formCall(decided({}), FORM) })),
    statuses: [403, 404],
  },
];

// ---- the properties ---------------------------------------------------------------------------------

/** The call a route takes when nothing is wrong with it (but what a property makes wrong). */
function validCall(route: Route): CallOptions {
  const base = { params: route.params?.() ?? {}, query: route.query?.() ?? {} };
  if (route.form) return { ...base, ...formCall(route.form(), FORM) };
  if (route.body) return { ...base, json: route.body.valid() };
  return base;
}

const routes: readonly Route[] = Object.values(ROUTES);
const withBody = routes.filter((route) => route.body || route.form);

describe("hostile input", () => {
  it("reaches every handler of the app", () => {
    const reached = new Set(routes.map((route) => route.handler(h.app)));
    const handlers = [
      ...Object.entries(h.app.api),
      ...Object.entries(h.app.review),
      ...Object.entries(h.app.dev!),
      ["graphNotifications", h.app.graphNotifications] as const,
    ];
    expect(handlers.filter(([, handler]) => !reached.has(handler)).map(([name]) => name)).toEqual([]);
  });

  it(
    "reads take no notice of parameters and headers they do not ask for",
    async () => {
      const reads = [
        ROUTES.health,
        ROUTES.getRequest,
        ROUTES.requestEvidence,
        ROUTES.listRequests,
        ROUTES.listClusters,
        ROUTES.readiness,
        ROUTES.devOutbox,
      ];
      const extra = fc.dictionary(
        fc.string({ minLength: 1, maxLength: 20 }).filter((name) => !["status", "cluster", "requestId"].includes(name)),
        anyText,
        { maxKeys: 4 },
      );
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: reads.length - 1 }), extra, oddHeaders, async (index, query, headers) => {
          const route = reads[index]!;
          const call = validCall(route);
          const reply = await send({ route, call: { ...call, query: { ...query, ...call.query }, headers } });
          expect(reply.status, `answered ${reply.status}: ${JSON.stringify(reply.body)}`).toBe(200);
          expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
          await expectUnchanged();
        }),
        runs(40),
      );
    },
    TIMEOUT_MS,
  );

  it.each(withBody.map((route) => [route.name, route] as const))(
    "%s: any body it cannot take, sent any way, is a 4xx that changes nothing",
    async (_name, route) => {
      const bodies = route.form ? hostileForm : hostileJson(route.body!);
      await fc.assert(
        fc.asyncProperty(bodies, oddHeaders, lyingLength, async (call, headers, length) => {
          const reply = await send({
            route,
            call: {
              params: route.params?.() ?? {},
              ...call,
              headers: { ...headers, ...(length ? { "content-length": length } : {}), ...call.headers },
            },
          });
          await expectRefused(route, reply, route.form ? [400, 403, 413, 415] : [400, 413, 415]);
        }),
        runs(25),
      );
    },
    TIMEOUT_MS,
  );

  it(
    "every route that signs its caller in refuses a bad credential with a 401 that changes nothing",
    async () => {
      const signedIn = new Map(routes.filter((route) => route.authenticated).map((route) => [route.name, route]));
      const credential = badCredential.filter((value) => value.trim() !== "");
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...signedIn.keys()), credential, oddHeaders, async (name, value, headers) => {
          const route = signedIn.get(name)!;
          const call = validCall(route);
          // Pages sign in only with the session cookie: a bearer token, even a genuine one, is not a sign-in.
          const credentials: Record<string, string> = route.page
            ? {
                cookie: `${DEV_SESSION_COOKIE}=${value.replace(/^Bearer\s*/i, "")}`,
                authorization: `Bearer ${await h.token("bob")}`,
              }
            : { authorization: value };
          const reply = await h.call(route.handler(h.app), {
            method: route.method,
            ...call,
            headers: { ...headers, ...call.headers, ...credentials },
          });
          await expectRefused(route, reply, [401]);
          if (!route.page) expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer realm="aks-breakglass"/);
        }),
        runs(150),
      );
    },
    TIMEOUT_MS,
  );

  it(
    "ids, names and queries that name nothing are a 4xx that changes nothing",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .nat({ max: PROBES.length - 1 })
            .chain((index) => PROBES[index]!.call.map((call) => ({ route: PROBES[index]!.route.name, index, call }))),
          async ({ index, call }) => {
            const { route, statuses } = PROBES[index]!;
            const reply = await send({ route, call: { ...validCall(route), ...call } });
            await expectRefused(route, reply, statuses);
          },
        ),
        runs(200),
      );
    },
    TIMEOUT_MS,
  );

  it(
    "dev login sends the browser only to a path of this app, whatever returnTo says",
    async () => {
      const tricks = fc
        .array(
          fc.constantFrom(
            "/",
            "\\",
            "\t",
            "\n",
            "\r",
            " ",
            ".",
            "..",
            "%2e",
            "%09",
            "%2f",
            "evil.example",
            "@",
            ":",
            "?",
            "#",
            "\u00e9",
            "\u20ac",
            "\u0000",
            "javascript:",
            "api",
          ),
          { maxLength: 8 },
        )
        .map((parts) => parts.join(""));
      const returnTos = fc.oneof(
        { weight: 3, arbitrary: tricks.map((path) => `/${path}`) },
        tricks,
        anyText,
        fc.webUrl(),
      );
      await fc.assert(
        fc.asyncProperty(returnTos, async (returnTo) => {
          const reply = await send({
            route: ROUTES.devLogin,
            call: { query: { user: USERS.bob.upn, returnTo } },
          });
          if (reply.status !== 302) {
            await expectRefused(ROUTES.devLogin, reply, [400]);
            return;
          }
          const location = reply.headers.get("location")!;
          expect(location).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
          for (const origin of ["http://localhost:7071", "https://breakglass.contoso.com"])
            expect(new URL(location, origin).origin).toBe(origin);
          await expectUnchanged();
        }),
        runs(100),
      );
    },
    TIMEOUT_MS,
  );

  it(
    "Graph's validation handshake echoes any token it takes, and refuses a too long one",
    async () => {
      const tokens = fc.oneof(anyText, fc.string({ minLength: 4000, maxLength: 5000 }));
      await fc.assert(
        fc.asyncProperty(tokens, async (validationToken) => {
          const route = ROUTES.graphNotifications;
          const reply = await send({ route, call: { query: { validationToken } } });
          if (validationToken.length > 4096) return expectRefused(route, reply, [400]);
          expect(reply.status).toBe(200);
          expect(reply.headers.get("content-type")).toBe("text/plain; charset=utf-8");
          expect(reply.body ?? "").toBe(validationToken);
          await expectUnchanged();
        }),
        runs(40),
      );
    },
    TIMEOUT_MS,
  );
});
