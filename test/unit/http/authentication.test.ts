import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRequest } from "@azure/functions";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevTokenIssuer } from "../../../src/adapters/simulation/devTokens.js";
import {
  authenticate,
  createTokenVerifier,
  tenantIssuers,
  tenantSigningKeys,
  type VerifyToken,
} from "../../../src/http/authentication.js";
import { ApiError } from "../../../src/http/errors.js";

const TENANT = "11111111-2222-3333-4444-555555555555";
const AUDIENCE = "api://breakglass";
const AUTHORITY = "https://login.microsoftonline.com";
const OID = "a11ce000-0000-4000-8000-000000000001";
const NOW = new Date("2026-11-28T10:00:00Z");
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;
let signing: Keys;
let other: Keys;
let publicJwk: JWK;

beforeAll(async () => {
  signing = await generateKeyPair("RS256");
  other = await generateKeyPair("RS256");
  publicJwk = { ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
});

function token(claims: Record<string, unknown> = {}, options: { key?: Keys; kid?: string; alg?: string } = {}) {
  const {
    iss = `${AUTHORITY}/${TENANT}/v2.0`,
    aud = AUDIENCE,
    iat = seconds(NOW),
    exp = seconds(NOW) + 3600,
    ...rest
  } = claims;
  return new SignJWT({
    oid: OID,
    tid: TENANT,
    scp: "BreakGlass.Access",
    preferred_username: "alice@contoso.com",
    name: "Alice",
    ...rest,
  })
    .setProtectedHeader({ alg: options.alg ?? "RS256", kid: options.kid ?? "k1" })
    .setIssuer(String(iss))
    .setAudience(aud as string)
    .setIssuedAt(Number(iat))
    .setExpirationTime(Number(exp))
    .sign((options.key ?? signing).privateKey);
}

function verifier(now = NOW): VerifyToken {
  return createTokenVerifier({
    keys: createLocalJWKSet({ keys: [publicJwk] }),
    authorityHost: AUTHORITY,
    tenantId: TENANT,
    audience: AUDIENCE,
    now: () => now,
  });
}

async function rejection(verify: VerifyToken, jwt: string): Promise<ApiError> {
  try {
    await verify(jwt);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected the token to be refused");
}

describe("token verification", () => {
  it("accepts a valid v2 token and identifies the caller by oid", async () => {
    await expect(verifier()(await token())).resolves.toEqual({
      oid: OID,
      tenantId: TENANT,
      upn: "alice@contoso.com",
      name: "Alice",
    });
  });

  it("accepts the tenant's v1 issuer", async () => {
    expect(tenantIssuers(AUTHORITY, TENANT)).toContain(`https://sts.windows.net/${TENANT}/`);
    await expect(
      verifier()(await token({ iss: `https://sts.windows.net/${TENANT}/`, upn: "alice@contoso.com" })),
    ).resolves.toMatchObject({ oid: OID });
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ["expired", () => token({ iat: seconds(NOW) - 7200, exp: seconds(NOW) - 3600 }), /expired/],
    ["for another audience", () => token({ aud: "api://someone-else" }), /audience/],
    [
      "from another tenant's issuer",
      () => token({ iss: `${AUTHORITY}/99999999-2222-3333-4444-555555555555/v2.0` }),
      /issuer/,
    ],
    ["signed by another key (forged)", () => token({}, { key: other }), /signature or format/],
    ["with an unknown key id", () => token({}, { kid: "nope" }), /signature or format/],
    ["without an oid", () => token({ oid: undefined }), /oid/],
    ["with a tid of another tenant", () => token({ tid: "99999999-2222-3333-4444-555555555555" }), /another tenant/],
    ["of an application (no scp)", () => token({ scp: undefined }), /application tokens/],
    ["of an application (idtyp app)", () => token({ idtyp: "app" }), /application tokens/],
    ["not valid yet", () => token({ nbf: seconds(NOW) + 600 }), /not valid yet/],
  ];
  it.each(refusals)("refuses a token %s with 401", async (_what, make, message) => {
    const error = await rejection(verifier(), await make());
    expect(error.status).toBe(401);
    expect(error.code).toBe("UNAUTHENTICATED");
    expect(error.message).toMatch(message);
    expect(error.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="aks-breakglass", error="invalid_token"/);
  });

  it("refuses an unsigned token (alg none)", async () => {
    const [, payload] = (await token()).split(".");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`;
    const request = new HttpRequest({
      method: "GET",
      url: "http://x/api",
      headers: { authorization: `Bearer ${unsigned}x` },
    });
    await expect(authenticate(request, verifier())).rejects.toMatchObject({ status: 401 });
  });

  it("allows a minute of clock skew, not more", async () => {
    const jwt = await token({ exp: seconds(NOW) + 30 });
    await expect(verifier(new Date(NOW.getTime() + 80_000))(jwt)).resolves.toMatchObject({ oid: OID });
    expect((await rejection(verifier(new Date(NOW.getTime() + 100_000)), jwt)).message).toMatch(/expired/);
  });
});

describe("the Authorization header", () => {
  const request = (authorization?: string) =>
    new HttpRequest({
      method: "GET",
      url: "http://localhost/api/requests",
      headers: authorization ? { authorization } : {},
    });

  it("is required", async () => {
    await expect(authenticate(request(), verifier())).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/Authorization: Bearer/),
    });
  });

  it.each(["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt", "Token a.b.c"])("refuses %j", async (header) => {
    await expect(authenticate(request(header), verifier())).rejects.toMatchObject({ status: 401 });
  });

  it("passes a well-formed bearer token to the verifier", async () => {
    await expect(authenticate(request(`Bearer ${await token()}`), verifier())).resolves.toMatchObject({ oid: OID });
  });
});

describe("azure mode: the tenant's JWKS", () => {
  let server: Server;
  let authority: string;
  let requests = 0;
  let keys: JWK[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === `/${TENANT}/discovery/v2.0/keys`) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ keys }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    authority = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const remoteVerifier = (host: string) =>
    createTokenVerifier({
      keys: tenantSigningKeys(host, TENANT),
      authorityHost: host,
      tenantId: TENANT,
      audience: AUDIENCE,
      now: () => NOW,
    });

  it("fetches the keys from {authority}/{tenant}/discovery/v2.0/keys and verifies with them", async () => {
    keys = [publicJwk];
    const verify = remoteVerifier(authority);
    await expect(verify(await token({ iss: `${authority}/${TENANT}/v2.0` }))).resolves.toMatchObject({ oid: OID });
    expect(requests).toBeGreaterThan(0);
  });

  it("refuses a token whose key the tenant does not publish", async () => {
    keys = [publicJwk];
    const error = await rejection(
      remoteVerifier(authority),
      await token({ iss: `${authority}/${TENANT}/v2.0` }, { key: other, kid: "k2" }),
    );
    expect(error.status).toBe(401);
  });

  it("answers 503, not 401, when the keys cannot be fetched", async () => {
    const error = await rejection(
      remoteVerifier("http://127.0.0.1:9"),
      await token({ iss: `http://127.0.0.1:9/${TENANT}/v2.0` }),
    );
    expect(error.status).toBe(503);
    expect(error.code).toBe("AUTHENTICATION_UNAVAILABLE");
  });
});

describe("simulation tokens", () => {
  it("are checked by the same verifier as Entra tokens", async () => {
    const issuer = await DevTokenIssuer.create({ authorityHost: AUTHORITY, tenantId: TENANT, audience: AUDIENCE });
    const verify = createTokenVerifier({
      keys: issuer.keys,
      authorityHost: AUTHORITY,
      tenantId: TENANT,
      audience: AUDIENCE,
      now: () => NOW,
    });
    const issued = await issuer.issue({ oid: OID, upn: "alice@contoso.dev", displayName: "Alice" }, NOW);
    expect(issued).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    await expect(verify(issued.access_token)).resolves.toEqual({
      oid: OID,
      tenantId: TENANT,
      upn: "alice@contoso.dev",
      name: "Alice",
    });
    const expired = await issuer.issue(
      { oid: OID, upn: "alice@contoso.dev", displayName: "Alice" },
      new Date(NOW.getTime() - 2 * 3600_000),
    );
    expect((await rejection(verify, expired.access_token)).message).toMatch(/expired/);
  });

  it("from another process's key are refused", async () => {
    const settings = { authorityHost: AUTHORITY, tenantId: TENANT, audience: AUDIENCE };
    const mine = await DevTokenIssuer.create(settings);
    const theirs = await DevTokenIssuer.create(settings);
    const verify = createTokenVerifier({ keys: mine.keys, ...settings, now: () => NOW });
    const foreign = await theirs.issue({ oid: OID, upn: "alice@contoso.dev", displayName: "Alice" }, NOW);
    expect((await rejection(verify, foreign.access_token)).status).toBe(401);
  });
});
