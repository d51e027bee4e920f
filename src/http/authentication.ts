// Bearer-token authentication. Every API call carries an Entra ID access token, validated
// here: signature (the tenant's JWKS, or in simulation the process's dev key, through the same
// code), issuer (v2 and v1 forms of the tenant), audience, expiry. Identity is the `oid` claim.
import type { HttpRequest } from "@azure/functions";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { ApiError } from "./errors.js";

export interface Principal {
  readonly oid: string;
  readonly tenantId: string;
  /** From the token, for logs only; authorization always asks the directory. */
  readonly upn: string;
  readonly name: string;
}

export type VerifyToken = (token: string) => Promise<Principal>;

export interface TokenPolicy {
  readonly keys: JWTVerifyGetKey;
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly audience: string;
  /** Defaults to the system clock; tests pass their fake one. */
  readonly now?: () => Date;
}

/** Tolerated clock skew between Entra and this app. */
const CLOCK_TOLERANCE_SECONDS = 60;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The issuers Entra uses for a tenant: v2.0 tokens and v1 tokens. */
export function tenantIssuers(authorityHost: string, tenantId: string): string[] {
  return [`${authorityHost}/${tenantId}/v2.0`, `https://sts.windows.net/${tenantId}/`];
}

/** The tenant's signing keys, fetched and cached by jose (refetched when an unknown kid appears). */
export function tenantSigningKeys(authorityHost: string, tenantId: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(`${authorityHost}/${tenantId}/discovery/v2.0/keys`), {
    timeoutDuration: 5_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 60 * 60 * 1000,
  });
}

/**
 * Verifies Entra tokens. "access" tokens (API calls) must be delegated: they carry `scp`.
 * "id" tokens (browser pages behind App Service Authentication) identify the person who signed
 * in and carry no scope; everything else is checked the same way.
 */
export function createTokenVerifier(policy: TokenPolicy, use: "access" | "id" = "access"): VerifyToken {
  const issuer = tenantIssuers(policy.authorityHost, policy.tenantId);
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, policy.keys, {
        issuer,
        audience: policy.audience,
        algorithms: ["RS256"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp", "iat"],
        ...(policy.now ? { currentDate: policy.now() } : {}),
      }));
    } catch (error) {
      throw tokenError(error);
    }
    const oid = typeof payload.oid === "string" ? payload.oid : "";
    if (!GUID.test(oid)) throw unauthorized("the token has no oid claim");
    if (typeof payload.tid === "string" && payload.tid.toLowerCase() !== policy.tenantId.toLowerCase()) {
      throw unauthorized("the token is from another tenant");
    }
    // An application token acts for no person, so it can neither ask nor approve.
    if (
      payload.idtyp === "app" ||
      (use === "access" && (typeof payload.scp !== "string" || payload.scp.trim() === ""))
    ) {
      throw unauthorized("application tokens are not accepted; sign in as a user");
    }
    return {
      oid: oid.toLowerCase(),
      tenantId: policy.tenantId,
      upn: stringClaim(payload, "preferred_username") ?? stringClaim(payload, "upn") ?? "",
      name: stringClaim(payload, "name") ?? "",
    };
  };
}

/** The caller of this request, or a 401 saying why not. */
export async function authenticate(request: HttpRequest, verify: VerifyToken): Promise<Principal> {
  const header = request.headers.get("authorization");
  if (!header) throw unauthorized("an Authorization: Bearer <token> header is required", "");
  const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)\s*$/i.exec(header);
  if (!match) throw unauthorized("the Authorization header must be Bearer followed by a JWT");
  return verify(match[1]!);
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === "string" ? value : undefined;
}

function tokenError(error: unknown): ApiError {
  if (error instanceof errors.JWTExpired) return unauthorized("the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return unauthorized("the token is not for this API (audience)");
    if (error.claim === "iss") return unauthorized("the token was not issued by this tenant (issuer)");
    if (error.claim === "nbf") return unauthorized("the token is not valid yet");
    return unauthorized(`the token's ${error.claim} claim is invalid`);
  }
  if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) {
    return unauthorized("the token's signature or format is invalid");
  }
  // Our problem, not the caller's: the signing keys could not be fetched (timeout, network).
  return new ApiError(
    503,
    "AUTHENTICATION_UNAVAILABLE",
    "the identity provider's signing keys could not be fetched; try again",
    {
      "Retry-After": "5",
    },
  );
}

function unauthorized(message: string, error = "invalid_token"): ApiError {
  const challenge = error
    ? `Bearer realm="aks-breakglass", error="${error}", error_description="${message}"`
    : `Bearer realm="aks-breakglass"`;
  return new ApiError(401, "UNAUTHENTICATED", message, { "WWW-Authenticate": challenge });
}
