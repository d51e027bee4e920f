// `breakglass` against a server in a function: what each command sends, prints and exits with.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SignInUnavailable } from "../../../src/ports/signIn.js";
import { errorReply, posts, REQUEST_ID, requestView, runAgainst, simulationRoutes, WEU_ID } from "./fakeServer.js";

const REQUEST = ["request", "--cluster", "aks-prod-weu", "--reason", "Entra broken", "--ticket", "INC-1"];

describe("breakglass: help and usage", () => {
  it("--help on the program and on every command, with examples, exits 0", async () => {
    const top = await runAgainst({}, ["--help"]);
    expect(top.status).toBe(0);
    expect(top.out).toContain("Examples:");
    for (const command of [
      "clusters",
      "request",
      "status",
      "list",
      "approve",
      "deny",
      "close",
      "extend",
      "readiness",
      "evidence",
    ]) {
      const help = await runAgainst({}, [command, "--help"]);
      expect(help.status, command).toBe(0);
      expect(help.out, command).toMatch(/Usage: breakglass/);
    }
    const request = await runAgainst({}, ["request", "--help"]);
    expect(request.out).toContain("--wait");
    expect(request.out).toContain("Example:");
    expect((await runAgainst({}, ["audit", "verify", "--help"])).out).toContain("--request <id>");
  });

  it.each([
    [[...REQUEST, "--duration", "5 parsecs"], /--duration: 5 parsecs is not a duration/],
    [[...REQUEST, "--wait", "--timeout", "soon"], /--timeout: soon is not a duration/],
    [["status", "not-an-id"], /not-an-id is not a request id/],
    [["extend", REQUEST_ID, "--duration", "0m"], /--duration: 0m is not a duration/],
    [["list", "--status", "opened"], /--status: opened is not a status/],
    [["request", "--cluster", "aks-prod-weu"], /required option '--reason <text>' not specified/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("%j: exit 2, one clear line, nothing sent", async (argv, message) => {
    const run = await runAgainst(simulationRoutes(), argv);
    expect(run.status).toBe(2);
    expect(run.err).toMatch(message);
    expect(run.err).not.toMatch(/\n\s+at /); // no stack
    expect(run.calls.filter((c) => c.method === "POST" && c.path !== "/api/dev/token")).toEqual([]);
  });

  it("an unknown cluster: exit 2, naming the clusters there are; nothing is requested", async () => {
    const run = await runAgainst(simulationRoutes(), [
      "request",
      "--cluster",
      "aks-nope",
      "--reason",
      "r",
      "--ticket",
      "t",
    ]);
    expect(run.status).toBe(2);
    expect(run.err).toBe("breakglass: --cluster: aks-nope is not a managed cluster (managed: aks-prod-weu)\n");
    expect(posts(run.calls, "/api/requests")).toEqual([]);
  });
});

describe("breakglass: the server", () => {
  it("unreachable: retried, then one line saying where it looked; exit 1", async () => {
    const run = await runAgainst({ "GET /api/health": () => ({ networkError: "ECONNREFUSED" }) }, ["clusters"]);
    expect(run.status).toBe(1);
    expect(run.err).toBe(
      "breakglass: cannot reach the break-glass server at http://breakglass.test (ECONNREFUSED): is it running? Set --url or BREAKGLASS_URL\n",
    );
    expect(run.calls).toHaveLength(5);
  });

  it.each([
    [{ status: "ok", mode: "simulation", api: 2 }, /speaks API version 2 and this breakglass speaks 1/],
    [{ status: "ok", mode: "simulation" }, /speaks API version \(unstated, older\)/],
  ])("of another version (%j): exit 1, saying so", async (health, message) => {
    const run = await runAgainst({ ...simulationRoutes(), "GET /api/health": () => ({ body: health }) }, ["clusters"]);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(message);
    expect(run.calls.map((c) => c.path)).toEqual(["/api/health"]);
  });

  it("something else on the port: exit 1", async () => {
    const run = await runAgainst({ "GET /api/health": () => ({ status: 404, body: "<html>nginx</html>" }) }, [
      "clusters",
    ]);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/does not answer as an aks-breakglass server \(GET \/api\/health: HTTP 404\)/);
  });

  it("an answer of another shape: exit 1, naming the field", async () => {
    const run = await runAgainst({ ...simulationRoutes(), "GET /api/clusters": () => ({ body: [{ id: WEU_ID }] }) }, [
      "clusters",
    ]);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(
      /GET \/api\/clusters: the server's answer is not what this breakglass expects \(at 0.name\)/,
    );
  });

  it("a fleet answer with the additive fields and a cluster that could not be read: listed, not refused", async () => {
    const tagged = WEU_ID.replace("aks-prod-weu", "aks-fleet-1");
    const body = [
      { id: WEU_ID, name: "aks-prod-weu", localAccounts: "disabled", stateFrom: "inventory", openWindows: [] },
      { id: tagged, name: "aks-fleet-1", localAccounts: "unknown", stateFrom: "arm", openWindows: [] },
    ];
    const run = await runAgainst({ ...simulationRoutes(), "GET /api/clusters": () => ({ body }) }, ["clusters"]);
    expect(run.status).toBe(0);
    expect(run.out).toMatch(/aks-fleet-1\s+unknown/);
  });

  it("an unexpected failure is one line; BREAKGLASS_DEBUG=1 shows where", async () => {
    const runAudit = async () => Promise.reject(new RangeError("boom"));
    const argv = ["audit", "verify", "--request", "bg-01m8tbd7zkrrdj9ygjd69yabhs"];
    const plain = await runAgainst({}, argv, { runAudit });
    expect(plain.status).toBe(1);
    expect(plain.err).toBe("breakglass: unexpected error: boom (BREAKGLASS_DEBUG=1 shows where)\n");
    const debug = await runAgainst({}, argv, { runAudit, env: { BREAKGLASS_DEBUG: "1" } });
    expect(debug.err).toMatch(/RangeError: boom\n\s+at /);
  });

  it("--json: a usage error is a JSON document on stdout too", async () => {
    const run = await runAgainst(simulationRoutes(), ["--json", "frobnicate"]);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.out)).toEqual({
      error: { code: null, message: expect.stringContaining("frobnicate") },
      exitCode: 2,
    });
  });

  it("--json: a failure is a JSON document on stdout too", async () => {
    const routes = {
      ...simulationRoutes(),
      [`GET /api/requests/${REQUEST_ID}`]: () => errorReply(404, "REQUEST_NOT_FOUND", `no request ${REQUEST_ID}`),
    };
    const run = await runAgainst(routes, ["--json", "status", REQUEST_ID]);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.out)).toEqual({
      error: { code: "REQUEST_NOT_FOUND", message: `no request ${REQUEST_ID}` },
      exitCode: 1,
    });
  });
});

describe("breakglass: tokens that stop working", () => {
  it("a token the server refuses (401) is dropped and the call made once more with a fresh one", async () => {
    let refused = 0;
    const routes = {
      ...simulationRoutes(),
      "GET /api/clusters": () =>
        ++refused === 1
          ? errorReply(401, "UNAUTHENTICATED", "the token's signature or format is invalid")
          : simulationRoutes()["GET /api/clusters"]!({} as never, []),
    };
    const run = await runAgainst(routes, ["clusters"]);
    expect(run.status).toBe(0);
    expect(run.calls.filter((c) => c.path === "/api/dev/token")).toHaveLength(2);
    const always = {
      ...simulationRoutes(),
      "GET /api/clusters": () => errorReply(401, "UNAUTHENTICATED", "the token has expired"),
    };
    const refusedTwice = await runAgainst(always, ["clusters"]);
    expect(refusedTwice.status).toBe(5);
    expect(refusedTwice.calls.filter((c) => c.path === "/api/clusters")).toHaveLength(2);
  });

  it("a dev token near its end is replaced during a long wait, without sending the old one for the new", async () => {
    const routes = {
      ...simulationRoutes(),
      "POST /api/dev/token": () => ({ body: { access_token: "x.e30.y", token_type: "Bearer", expires_in: 65 } }),
      [`GET /api/requests/${REQUEST_ID}`]: () => ({ body: requestView() }),
    };
    const run = await runAgainst(routes, ["status", REQUEST_ID, "--wait", "--timeout", "20s"]);
    expect(run.status).toBe(4);
    const tokenCalls = run.calls.filter((c) => c.path === "/api/dev/token");
    expect(tokenCalls.length).toBeGreaterThan(1);
    expect(tokenCalls.every((c) => c.headers.get("authorization") === null)).toBe(true);
  });
});

describe("breakglass: signing in", () => {
  it("simulation: a dev token for --user, sent as the bearer", async () => {
    const run = await runAgainst(simulationRoutes(), ["--user", "bob@contoso.dev", "clusters"]);
    expect(run.status).toBe(0);
    expect(run.calls.find((c) => c.path === "/api/dev/token")!.body).toEqual({ user: "bob@contoso.dev" });
    expect(run.calls.find((c) => c.path === "/api/clusters")!.headers.get("authorization")).toMatch(/^Bearer x\./);
  });

  it("simulation without a user, and --user against azure: exit 2, saying how", async () => {
    const nobody = await runAgainst(simulationRoutes(), ["clusters"], { env: { BREAKGLASS_USER: "" } });
    expect(nobody.status).toBe(2);
    expect(nobody.err).toMatch(/runs the simulation: say who you are with --user/);
    const azure = {
      ...simulationRoutes(),
      "GET /api/health": () => ({ body: { status: "ok", mode: "azure", api: 1 } }),
    };
    const wrong = await runAgainst(azure, ["--user", "alice@contoso.dev", "clusters"], {
      env: { BREAKGLASS_USER: "" },
    });
    expect(wrong.status).toBe(2);
    expect(wrong.err).toMatch(/sign in to a simulation only; http:\/\/breakglass.test runs in azure mode/);
    expect(wrong.calls.map((c) => c.path)).toEqual(["/api/health"]);
  });

  it("an unknown simulated user: exit 5", async () => {
    const routes = {
      ...simulationRoutes(),
      "POST /api/dev/token": () => errorReply(404, "UNKNOWN_USER", "no such user"),
    };
    const run = await runAgainst(routes, ["--user", "zed@contoso.dev", "clusters"]);
    expect(run.status).toBe(5);
    expect(run.err).toMatch(/the simulation has no user "zed@contoso.dev"/);
  });

  describe("azure mode", () => {
    const azure = {
      ...simulationRoutes(),
      "GET /api/health": () => ({ body: { status: "ok", mode: "azure", api: 1 } }),
    };
    const home = mkdtempSync(join(tmpdir(), "breakglass-home-"));
    afterAll(() => rmSync(home, { recursive: true, force: true }));
    const env = {
      BREAKGLASS_URL: "https://breakglass.test",
      BREAKGLASS_USER: "",
      BREAKGLASS_SCOPE: "api://breakglass/.default",
      BREAKGLASS_TENANT_ID: "t-1",
      HOME: home,
      XDG_CACHE_HOME: "",
    };

    it("asks the sign-in for BREAKGLASS_SCOPE, sends its token, and keeps it for the next command in a file only the user reads", async () => {
      const asked: unknown[] = [];
      const signIn = async (settings: object) => {
        asked.push(settings);
        return {
          token: async (scope: string) => (
            asked.push(scope),
            { token: "entra-token", expiresAt: new Date("2026-12-02T04:00:00Z") }
          ),
        };
      };
      const run = await runAgainst(azure, ["clusters"], { env, signIn });
      expect(run.status).toBe(0);
      expect(asked).toEqual([expect.objectContaining({ tenantId: "t-1" }), "api://breakglass/.default"]);
      expect(run.calls.find((c) => c.path === "/api/clusters")!.headers.get("authorization")).toBe(
        "Bearer entra-token",
      );
      expect(run.out + run.err).not.toContain("entra-token");
      const cache = join(home, ".cache/aks-breakglass/tokens.json");
      expect(statSync(cache).mode & 0o777).toBe(0o600);

      const again = await runAgainst(azure, ["clusters"], { env, signIn });
      expect(again.status).toBe(0);
      expect(asked.filter((item) => item === "api://breakglass/.default")).toHaveLength(1);
    });

    it("never sends the person's token over plain http: exit 2 before signing in", async () => {
      let signedIn = false;
      const run = await runAgainst(azure, ["clusters"], {
        env: { ...env, BREAKGLASS_URL: "http://127.0.0.1:7071" },
        signIn: async () => ((signedIn = true), { token: async () => ({ token: "t", expiresAt: new Date() }) }),
      });
      expect(run.status).toBe(2);
      expect(run.err).toMatch(/your token is sent only over https/);
      expect(signedIn).toBe(false);
      expect(run.calls.map((c) => c.path)).toEqual(["/api/health"]);
    });

    it("without BREAKGLASS_SCOPE: exit 2; when no sign-in works: exit 5 with its sentence", async () => {
      const noScope = await runAgainst(azure, ["clusters"], { env: { ...env, BREAKGLASS_SCOPE: "" } });
      expect(noScope.status).toBe(2);
      expect(noScope.err).toMatch(/set BREAKGLASS_SCOPE/);
      const named = await runAgainst(azure, ["clusters"], {
        env: { ...env, BREAKGLASS_SCOPE: "api://breakglass/BreakGlass.Access" },
      });
      expect(named.status).toBe(2);
      const unavailable = await runAgainst(azure, ["clusters"], {
        env: { ...env, XDG_CACHE_HOME: join(home, "nothing-cached") },
        signIn: async () => ({ token: () => Promise.reject(new SignInUnavailable("not signed in: run `az login`")) }),
      });
      expect(unavailable.status).toBe(5);
      expect(unavailable.err).toBe("breakglass: not signed in: run `az login`\n");
    });
  });

  it.each([
    [
      errorReply(401, "UNAUTHENTICATED", "the token is not for this API (audience)"),
      /set BREAKGLASS_SCOPE to this server's scope/,
    ],
    [errorReply(401, "UNAUTHENTICATED", "the token has expired"), /sign in again/],
    [
      errorReply(403, "NOT_EMERGENCY_MEMBER", "only members of the emergency group may request a window"),
      /ask the emergency group's owners to add you/,
    ],
    [
      errorReply(403, "NOT_APPROVER", "only members of the approver group may decide requests"),
      /ask someone in the approver group/,
    ],
    [
      errorReply(403, "NOT_AUTHORIZED", "only emergency-group members and approvers may see the clusters"),
      /neither the emergency group nor the approver group/,
    ],
  ])("%j: exit 5 and what is missing", async (reply, hint) => {
    const run = await runAgainst({ ...simulationRoutes(), "GET /api/clusters": () => reply }, ["clusters"]);
    expect(run.status).toBe(5);
    expect(run.err).toMatch(hint);
    expect(run.err.split("\n")).toHaveLength(2); // one line
  });
});
