// Every use of the app's one secret (BREAKGLASS_LINK_SIGNING_KEY) gets a key of its own, so that a
// value made for one purpose (a review link, a CSRF token, an audit seal) is never valid for another.
import { createHmac } from "node:crypto";

export function deriveKey(secret: string, purpose: string): Uint8Array {
  return createHmac("sha256", secret).update(purpose).digest();
}
