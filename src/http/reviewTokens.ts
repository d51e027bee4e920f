// The two tokens of the review page. A review link carries a JWS (HS256) bound to one request and
// to the review audience, expiring at the approval deadline: it lets its holder see the page, and
// nothing more — the decision is always the signed-in person's. A form carries an anti-CSRF token
// bound to that person and that request. Each use has its own key, derived from
// BREAKGLASS_LINK_SIGNING_KEY, so that one kind of token can never pass for the other.
import { createHmac, timingSafeEqual } from "node:crypto";
import { deriveKey } from "../domain/keys.js";
import { errors, jwtVerify, SignJWT } from "jose";

const REVIEW_AUDIENCE = "aks-breakglass/review";

export type LinkCheck = "valid" | "expired" | "invalid";

export interface ReviewTokens {
  /** The review page's URL for a request, valid until its approval deadline. */
  reviewUrl(requestId: string, approvalDeadline: string, now: Date): Promise<string>;
  checkLink(token: string, requestId: string, now: Date): Promise<LinkCheck>;
  csrf(oid: string, requestId: string): string;
  checkCsrf(token: string, oid: string, requestId: string): boolean;
}

export function createReviewTokens(signingKey: string, publicBaseUrl: string): ReviewTokens {
  const linkKey = deriveKey(signingKey, "review-link");
  const csrfKey = deriveKey(signingKey, "review-csrf");
  const csrf = (oid: string, requestId: string) =>
    createHmac("sha256", csrfKey).update(`${oid.toLowerCase()}|${requestId}`).digest("base64url");
  return {
    async reviewUrl(requestId, approvalDeadline, now) {
      const token = await new SignJWT({ rid: requestId })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(publicBaseUrl)
        .setAudience(REVIEW_AUDIENCE)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(Date.parse(approvalDeadline) / 1000))
        .sign(linkKey);
      return `${publicBaseUrl}/api/requests/${requestId}/review?token=${token}`;
    },
    async checkLink(token, requestId, now) {
      try {
        const { payload } = await jwtVerify(token, linkKey, {
          algorithms: ["HS256"],
          issuer: publicBaseUrl,
          audience: REVIEW_AUDIENCE,
          currentDate: now,
          clockTolerance: 0,
          // A link without an expiry would outlive the approval deadline it is bound to.
          requiredClaims: ["exp"],
        });
        return payload.rid === requestId ? "valid" : "invalid";
      } catch (error) {
        return error instanceof errors.JWTExpired ? "expired" : "invalid";
      }
    },
    csrf,
    checkCsrf(token, oid, requestId) {
      const expected = Buffer.from(csrf(oid, requestId));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
