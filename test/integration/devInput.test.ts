// What the simulation's dev routes take (docs/design.md §6): GET /api/dev/login?returnTo= sends the
// browser back only to a page of this app, whatever tricks the parameter plays on the way a browser
// reads a Location; a user is named by UPN or object id, and any other name names nobody.
import { beforeAll, describe, expect, it } from "vitest";
import { DEV_SESSION_COOKIE } from "../../src/http/dev.js";
import { SIMULATION_GROUPS } from "../../src/app/simulationDefaults.js";
import { createHarness, USERS, type Harness } from "../support/harness.js";

const login = (h: Harness, returnTo: string) =>
  h.call(h.app.dev!.devLogin, { query: { user: "bob@contoso.dev", returnTo } });

describe("dev login's returnTo", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });

  it.each([
    ["//evil.example/"],
    ["/\\evil.example/"],
    ["/\t/evil.example/"], // what /%09/evil.example/ decodes to
    ["\t//evil.example/"],
    ["/.//evil.example/"],
    ["https://evil.example/"],
    ["/\r\nSet-Cookie: x=1"], // what /%0d%0aSet-Cookie:... decodes to
    ["/a\rb"],
    ["/a\nb"],
    ["/\u20ac"],
    ["/\u{1f600}"],
    ["javascript:alert(1)"],
    [""],
    ["foo"],
  ])("refuses %j with a 400 and sets no cookie", async (returnTo) => {
    const reply = await login(h, returnTo);
    expect(reply.status).toBe(400);
    expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ error: { code: "INVALID_RETURN_TO", message: expect.any(String) } });
    expect(reply.headers.get("location")).toBeNull();
    expect(reply.cookies).toEqual([]);
  });

  it.each([["/api/requests/bg-01m8gshv80v200jgzv74xjm1zr/review?token=a.b.c"], ["/"], ["/api/health?x=%0d%0a#frag"]])(
    "sends the browser back to %j",
    async (returnTo) => {
      const reply = await login(h, returnTo);
      expect(reply.status).toBe(302);
      expect(reply.headers.get("location")).toBe(returnTo);
      expect(reply.cookies.map((cookie) => cookie.name)).toEqual([DEV_SESSION_COOKIE]);
    },
  );

  it("sends the normalised, encoded path", async () => {
    expect((await login(h, "/api/./x/../requests\\list")).headers.get("location")).toBe("/api/requests/list");
    expect((await login(h, '/api/"<x>')).headers.get("location")).toBe("/api/%22%3Cx%3E");
  });
});

describe("dev routes' user names", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });

  it.each([["../../etc/passwd"], ["a/b"], ["a#b"], ["a?b"], ["a\\b"], ["\u0000"], ["not-an-object-id"]])(
    "take %j for nobody (404), not for a storage key",
    async (user) => {
      const issued = await h.call(h.app.dev!.devToken, { json: { user } });
      expect(issued).toMatchObject({ status: 404, body: { error: { code: "UNKNOWN_USER" } } });
      const removed = await h.call(h.app.dev!.devRemoveMember, {
        method: "DELETE",
        params: { group: SIMULATION_GROUPS.approvers.id, user },
      });
      expect(removed).toMatchObject({ status: 404, body: { error: { code: "UNKNOWN_USER" } } });
    },
  );

  it("take a user's object id, in any case, and UPN", async () => {
    for (const user of [USERS.bob.oid, USERS.bob.oid.toUpperCase(), USERS.bob.upn])
      expect((await h.call(h.app.dev!.devToken, { json: { user } })).status).toBe(200);
  });
});
