// The simulation-only routes of docs/design.md §6, called with real HttpRequest objects.
import { describe, expect, it } from "vitest";
import { ADMIN_CREDENTIAL_OPERATION } from "../../src/ports/activityLog.js";
import { DEV_SESSION_COOKIE } from "../../src/http/dev.js";
import { createHarness, MINUTE, T0, USERS, WEU, type Reply } from "../support/harness.js";

const UNKNOWN_ID = "bg-01m8gshv80v200jgzv74xjm1zr";

function expectError(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ error: { code, message: expect.any(String) } });
}

describe("simulation routes", () => {
  it("issue tokens for directory users and refuse unknown ones", async () => {
    const h = await createHarness();
    const dev = h.app.dev!;
    const issued = await h.call(dev.devToken, { json: { user: "ALICE@contoso.dev" } });
    expect(issued).toMatchObject({
      status: 200,
      body: { token_type: "Bearer", expires_in: 3600, access_token: expect.any(String) },
    });
    const token = (issued.body as { access_token: string }).access_token;
    expect(await h.app.verifyToken(token)).toMatchObject({ oid: USERS.alice.oid });
    expect((await h.call(dev.devToken, { json: { user: USERS.bob.oid } })).status).toBe(200);
    expectError(await h.call(dev.devToken, { json: { user: "eve@contoso.dev" } }), 404, "UNKNOWN_USER");
    expectError(await h.call(dev.devToken, { json: { name: "alice" } }), 400, "INVALID_REQUEST");
  });

  it("sign a browser in with a session cookie and send it back only within the app", async () => {
    const h = await createHarness();
    const dev = h.app.dev!;
    const signedIn = await h.call(dev.devLogin, {
      query: { user: "bob@contoso.dev", returnTo: `/api/requests/${UNKNOWN_ID}/review?token=x` },
    });
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).toBe(`/api/requests/${UNKNOWN_ID}/review?token=x`);
    const cookie = signedIn.cookies.find((candidate) => candidate.name === DEV_SESSION_COOKIE)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/", maxAge: 3600 });
    expect(await h.app.verifyToken(cookie.value)).toMatchObject({ oid: USERS.bob.oid });
    expect((await h.call(dev.devLogin, { query: { user: "bob@contoso.dev" } })).status).toBe(200);
    for (const returnTo of ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
      expectError(
        await h.call(dev.devLogin, { query: { user: "bob@contoso.dev", returnTo } }),
        400,
        "INVALID_RETURN_TO",
      );
    }
    expectError(await h.call(dev.devLogin, { query: { user: "eve@contoso.dev" } }), 404, "UNKNOWN_USER");
  });

  it("show the outbox, optionally for one request", async () => {
    const h = await createHarness();
    const dev = h.app.dev!;
    const created = await h.call(h.app.api.createRequest, {
      as: "alice",
      json: { cluster: WEU, justification: "x", ticket: "y" },
    });
    const { id } = created.body as { id: string };
    const all = await h.call(dev.devOutbox);
    expect(all.status).toBe(200);
    expect(all.body).toEqual([
      expect.objectContaining({
        channel: "teams",
        recipients: ["teams:aks-breakglass-approvers"],
        kind: "approval-requested",
        requestId: id,
      }),
      expect.objectContaining({
        channel: "email",
        recipients: ["bob@contoso.dev", "carol@contoso.dev"],
        subject: expect.stringContaining("aks-prod-weu"),
      }),
    ]);
    expect((all.body as { links: { label: string; url: string }[] }[])[1]!.links[0]).toEqual({
      label: "Review and decide",
      url: expect.stringMatching(
        new RegExp(`^http://localhost:7071/api/requests/${id}/review\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`),
      ),
    });
    expect((await h.call(dev.devOutbox, { query: { requestId: UNKNOWN_ID } })).body).toEqual([]);
    expectError(await h.call(dev.devOutbox, { query: { requestId: "nope" } }), 400, "INVALID_REQUEST");
  });

  it("change group membership, by group name and user UPN, and the app sees it at once", async () => {
    const h = await createHarness();
    const dev = h.app.dev!;
    expectError(
      await h.call(h.app.api.createRequest, { as: "mallory", json: { cluster: WEU, justification: "x", ticket: "y" } }),
      403,
      "NOT_EMERGENCY_MEMBER",
    );
    const added = await h.call(dev.devAddMember, {
      params: { group: "aks-emergency-admins" },
      json: { user: "mallory@contoso.dev" },
    });
    expect(added).toMatchObject({
      status: 200,
      body: {
        group: "aks-emergency-admins",
        members: ["alice@contoso.dev", "carol@contoso.dev", "mallory@contoso.dev"],
      },
    });
    expect(
      (
        await h.call(h.app.api.createRequest, {
          as: "mallory",
          json: { cluster: WEU, justification: "x", ticket: "y" },
        })
      ).status,
    ).toBe(202);
    const removed = await h.call(dev.devRemoveMember, {
      params: { group: h.config.emergencyGroupId, user: "mallory@contoso.dev" },
      method: "DELETE",
    });
    expect(removed.body).toMatchObject({ members: ["alice@contoso.dev", "carol@contoso.dev"] });
    expectError(
      await h.call(dev.devAddMember, { params: { group: "aks-admins" }, json: { user: "mallory@contoso.dev" } }),
      404,
      "UNKNOWN_GROUP",
    );
    expectError(
      await h.call(dev.devAddMember, { params: { group: "aks-emergency-admins" }, json: { user: "eve@contoso.dev" } }),
      404,
      "UNKNOWN_USER",
    );
  });

  it("flip local accounts out of band, and hand out admin credentials only while they are enabled", async () => {
    const h = await createHarness();
    const dev = h.app.dev!;
    const credentials = () =>
      h.call(dev.devAdminCredentials, { as: "alice", params: { name: "aks-prod-weu" }, method: "POST" });
    expectError(await credentials(), 400, "LOCAL_ACCOUNTS_DISABLED");
    expect(
      (await h.call(dev.devSetLocalAccounts, { params: { name: "AKS-PROD-WEU" }, json: { enabled: true } })).body,
    ).toEqual({ cluster: WEU, localAccounts: "enabled" });
    expect(await h.localAccounts()).toBe("enabled");
    h.clock.advance(MINUTE);
    const fetched = await credentials();
    expect(fetched).toMatchObject({
      status: 200,
      body: { cluster: WEU, kubeconfig: expect.stringContaining("kind: Config") },
    });
    expect(
      await h.world.activityLog.adminCredentialFetches(h.cluster(), T0, new Date(T0.getTime() + 2 * MINUTE)),
    ).toEqual([
      {
        operation: ADMIN_CREDENTIAL_OPERATION,
        cluster: WEU,
        at: new Date(T0.getTime() + MINUTE).toISOString(),
        caller: "alice@contoso.dev",
      },
    ]);
    expect(
      await h.world.activityLog.adminCredentialFetches(
        h.cluster(),
        new Date(T0.getTime() + 2 * MINUTE),
        new Date(T0.getTime() + 3 * MINUTE),
      ),
    ).toEqual([]);
    expectError(
      await h.call(dev.devAdminCredentials, { params: { name: "aks-prod-weu" }, method: "POST" }),
      401,
      "UNAUTHENTICATED",
    );
    expectError(
      await h.call(dev.devSetLocalAccounts, { params: { name: "aks-dev" }, json: { enabled: true } }),
      404,
      "UNKNOWN_CLUSTER",
    );
    expectError(
      await h.call(dev.devSetLocalAccounts, { params: { name: "aks-prod-weu" }, json: { enabled: "yes" } }),
      400,
      "INVALID_REQUEST",
    );
  });

  it("inject faults that the next operations meet", async () => {
    const h = await createHarness();
    const dev = h.app.dev!;
    const injected = await h.call(dev.devInjectFault, {
      params: { name: "aks-prod-weu" },
      json: { operation: "enable", status: 409, count: 2 },
    });
    expect(injected).toMatchObject({ status: 200, body: { fault: { operation: "enable", status: 409, count: 2 } } });
    expect(await h.app.access.openWindow(h.cluster(), "bg-a", MINUTE)).toMatchObject({ kind: "wait", code: "ARM_409" });
    expect(await h.app.access.openWindow(h.cluster(), "bg-a", MINUTE)).toMatchObject({ kind: "wait", code: "ARM_409" });
    expect(await h.app.access.openWindow(h.cluster(), "bg-a", MINUTE)).toMatchObject({
      kind: "opened",
      change: "changed",
    });
    expectError(
      await h.call(dev.devInjectFault, {
        params: { name: "aks-prod-weu" },
        json: { operation: "explode", status: 409 },
      }),
      400,
      "INVALID_REQUEST",
    );
    expectError(
      await h.call(dev.devInjectFault, {
        params: { name: "aks-prod-weu" },
        json: { operation: "enable", status: 200 },
      }),
      400,
      "INVALID_REQUEST",
    );
  });
});
