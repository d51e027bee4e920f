// The console's anti-CSRF tokens: bound to the viewer (in any casing of their oid), the form's
// subject and the moment the page was served; accepted for 8 hours; never from another key.
import { describe, expect, it } from "vitest";
import { createConsoleTokens } from "../../../src/http/console/tokens.js";

const KEY = "a link signing key of the deployment, long enough";
const OID = "0a1b2c3d-0000-4000-8000-00000000000a";
const AT = new Date("2026-12-03T10:00:00.000Z");
const HOUR = 3_600_000;

describe("the console's anti-CSRF tokens", () => {
  const tokens = createConsoleTokens(KEY);
  const token = tokens.issue(OID, "r-1", AT);

  it("accept the viewer's token for that subject, until 8 hours after the page was served", () => {
    expect(tokens.check(token, OID, "r-1", AT)).toBe("valid");
    expect(tokens.check(token, OID.toUpperCase(), "r-1", new Date(AT.getTime() + 8 * HOUR))).toBe("valid");
    expect(tokens.check(token, OID, "r-1", new Date(AT.getTime() + 8 * HOUR + 1000))).toBe("expired");
  });

  it("refuse it for another viewer, another subject, from another key, altered, or from the future", () => {
    expect(tokens.check(token, OID.replace("a", "b"), "r-1", AT)).toBe("invalid");
    expect(tokens.check(token, OID, "r-2", AT)).toBe("invalid");
    expect(createConsoleTokens(`${KEY}!`).check(token, OID, "r-1", AT)).toBe("invalid");
    const [issuedAt, mac] = token.split(".");
    expect(tokens.check(`${Number(issuedAt) + 1}.${mac}`, OID, "r-1", AT)).toBe("invalid");
    for (const forged of ["", ".", token + ".x", `${issuedAt}.`, `x.${mac}`, `${issuedAt}.${mac!.slice(1)}`]) {
      expect(tokens.check(forged, OID, "r-1", AT)).toBe("invalid");
    }
    const later = tokens.issue(OID, "r-1", new Date(AT.getTime() + 5 * 60_000));
    expect(tokens.check(later, OID, "r-1", AT)).toBe("invalid");
  });
});
