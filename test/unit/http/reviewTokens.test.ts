import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { deriveKey } from "../../../src/domain/keys.js";
import { createReviewTokens } from "../../../src/http/reviewTokens.js";

const KEY = "a-link-signing-key-of-at-least-32-characters";
const BASE = "http://localhost:7071";
const ID = "bg-01m8gshv80v200jgzv74xjm1zr";
const NOW = new Date("2026-11-28T10:00:00.000Z");
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A review-link token made with the app's own link key, with the claims given and no others. */
function linkToken(claims: { exp?: number; aud?: string; rid?: string }) {
  const jwt = new SignJWT({ rid: claims.rid ?? ID })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(BASE)
    .setAudience(claims.aud ?? "aks-breakglass/review")
    .setIssuedAt(seconds(NOW));
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(deriveKey(KEY, "review-link"));
}

describe("review-link tokens", () => {
  const tokens = createReviewTokens(KEY, BASE);
  const later = seconds(NOW) + 3600;

  it("accept a link of this request, before its expiry", async () => {
    expect(await tokens.checkLink(await linkToken({ exp: later }), ID, NOW)).toBe("valid");
    const url = new URL(await tokens.reviewUrl(ID, new Date(later * 1000).toISOString(), NOW));
    expect(await tokens.checkLink(url.searchParams.get("token")!, ID, NOW)).toBe("valid");
  });

  it("refuse a link without an expiry, even when it is signed with the link key", async () => {
    expect(await tokens.checkLink(await linkToken({}), ID, NOW)).toBe("invalid");
  });

  it("tell an expired link from another request's or another audience's", async () => {
    expect(await tokens.checkLink(await linkToken({ exp: seconds(NOW) }), ID, NOW)).toBe("expired");
    expect(await tokens.checkLink(await linkToken({ exp: later, rid: "bg-other" }), ID, NOW)).toBe("invalid");
    expect(await tokens.checkLink(await linkToken({ exp: later, aud: "api://other" }), ID, NOW)).toBe("invalid");
  });
});
