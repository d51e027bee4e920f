// The console's anti-CSRF tokens: an HMAC over the viewer's oid, the form's subject (a request id,
// or NEW_REQUEST_SUBJECT) and the moment the page was served, with a key of its own derived from
// BREAKGLASS_LINK_SIGNING_KEY, so that neither a review page's token nor a review link passes
// for one. A token is accepted for CONSOLE_FORM_TTL_MS (docs/design.md §15).
import { createHmac, timingSafeEqual } from "node:crypto";
import { CONSOLE_FORM_TTL_MS } from "../../domain/console.js";
import { deriveKey } from "../../domain/keys.js";

export type FormCheck = "valid" | "expired" | "invalid";

export interface ConsoleTokens {
  issue(oid: string, subject: string, now: Date): string;
  check(token: string, oid: string, subject: string, now: Date): FormCheck;
}

export function createConsoleTokens(signingKey: string): ConsoleTokens {
  const key = deriveKey(signingKey, "console-csrf");
  const mac = (oid: string, subject: string, issuedAt: string) =>
    createHmac("sha256", key).update(`${oid.toLowerCase()}|${subject}|${issuedAt}`).digest("base64url");
  return {
    issue(oid, subject, now) {
      const issuedAt = String(Math.floor(now.getTime() / 1000));
      return `${issuedAt}.${mac(oid, subject, issuedAt)}`;
    },
    check(token, oid, subject, now) {
      const [issuedAt = "", given = "", ...rest] = token.split(".");
      if (rest.length || !/^\d{1,12}$/.test(issuedAt)) return "invalid";
      const expected = Buffer.from(mac(oid, subject, issuedAt));
      const actual = Buffer.from(given);
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return "invalid";
      const age = now.getTime() - Number(issuedAt) * 1000;
      // A token from the future was not issued by this clock (or the clock moved back): not accepted.
      if (age < -60_000) return "invalid";
      return age > CONSOLE_FORM_TTL_MS ? "expired" : "valid";
    },
  };
}
