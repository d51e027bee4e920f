// GET /api/console and GET /api/console/requests/{id}, called with real HttpRequest objects: each
// viewer sees what the API would let them GET and nothing more, the forms they may use and no
// other, hostile text as text, the page headers; and reading a page changes nothing.
import { describe, expect, it } from "vitest";
import { createHarness, MINUTE, NEU, WEU, type Harness, type UserName } from "../support/harness.js";
import { cardOf, consolePage, hidden, requestIdsIn, requestPage, sectionOf, text } from "../support/console.js";
import { stateSnapshot } from "../support/stateSnapshot.js";
import { openWindow } from "../support/windows.js";

async function requested(
  h: Harness,
  as: UserName,
  cluster: string = WEU,
  justification = "Entra ID outage: kubectl via AAD fails",
) {
  const created = await h.call(h.app.api.createRequest, {
    as,
    json: { cluster, justification, ticket: "INC-77", duration: "PT1H" },
  });
  expect(created.status).toBe(202);
  return (created.body as { id: string }).id;
}

describe("the console (GET /api/console)", () => {
  it("asks a signed-out visitor to sign in, and comes back to the console", async () => {
    const h = await createHarness();
    const page = await consolePage(h);
    expect(page.status).toBe(401);
    expect(text(page)).toContain("Sign in to use the console");
    expect(text(page)).toContain(`returnTo=${encodeURIComponent("/api/console")}`);
    expect(text(page)).not.toContain("<form");
  });

  it("shows bob what waits for his decision: who, where, why, how long, approvals so far, time left, and the forms", async () => {
    const h = await createHarness();
    const id = await requested(h, "alice");
    h.clock.advance(5 * MINUTE);
    const page = await consolePage(h, "bob");
    expect(page.status).toBe(200);
    expect(requestIdsIn(page, "waiting")).toEqual([id]);
    const card = cardOf(page, "waiting", id);
    for (const fact of [
      "Alice Admin (alice@contoso.dev)",
      "aks-prod-weu",
      "Entra ID outage: kubectl via AAD fails",
      "INC-77",
      "1 hour",
      "0 of 1",
      "25 minutes left",
      "10:30 UTC (in 25 minutes)",
    ]) {
      expect(card).toContain(fact);
    }
    expect(card).toContain(`action="/api/console/requests/${id}/approve"`);
    expect(card).toContain(`action="/api/console/requests/${id}/deny"`);
    expect(hidden(card, "csrf")).toMatch(/^\d+\.[\w-]+$/);
    expect(card).toContain(`href="/api/console/requests/${id}"`);
    // An approver sees the clusters, with readiness.
    const clusters = sectionOf(page, "clusters");
    expect(clusters).toContain("aks-prod-weu");
    expect(clusters).toContain("Readiness");
    // bob is no emergency member: no ask form.
    expect(sectionOf(page, "ask")).toBe("");
  });

  it("never shows carol an Approve on her own request, which bob may decide", async () => {
    const h = await createHarness();
    const own = await requested(h, "carol");
    const alices = await requested(h, "alice", NEU);
    const carols = await consolePage(h, "carol");
    expect(requestIdsIn(carols, "waiting")).toEqual([alices]);
    expect(cardOf(carols, "recent", own)).not.toContain("/approve");
    expect(text(carols)).not.toContain(`/api/console/requests/${own}/approve`);
    expect(text(carols)).not.toContain(`/api/console/requests/${own}/deny`);
    expect(requestIdsIn(await consolePage(h, "bob"), "waiting").sort()).toEqual([own, alices].sort());
  });

  it("drops a request from bob's Waiting once he approved it and once its deadline passed", async () => {
    const h = await createHarness({ env: { BREAKGLASS_REQUIRED_APPROVALS: "2" } });
    const id = await requested(h, "alice");
    expect((await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })).status).toBe(202);
    expect(requestIdsIn(await consolePage(h, "bob"), "waiting")).toEqual([]);
    expect(requestIdsIn(await consolePage(h, "carol"), "waiting")).toEqual([id]);
    h.clock.advance(31 * MINUTE);
    expect(requestIdsIn(await consolePage(h, "carol"), "waiting")).toEqual([]);
  });

  it("shows alice her own requests only, the ask form within policy, and no decision forms", async () => {
    const h = await createHarness();
    const own = await requested(h, "alice");
    const carols = await requested(h, "carol", NEU);
    const page = await consolePage(h, "alice");
    expect(page.status).toBe(200);
    expect(sectionOf(page, "waiting")).toBe("");
    expect(requestIdsIn(page, "recent")).toEqual([own]);
    expect(text(page)).not.toContain(carols);
    const card = cardOf(page, "recent", own);
    expect(card).not.toContain("/approve");
    expect(card).toContain("Withdraw request");
    const ask = sectionOf(page, "ask");
    expect(ask).toContain('<label for="ask-cluster">Cluster</label>');
    expect(ask).toContain(`<option value="${WEU}">aks-prod-weu (rg-aks-prod)</option>`);
    // PT15M to PT4H, the default (PT1H) chosen, in words.
    const durations = [...ask.matchAll(/<option value="(PT[^"]+)"( selected)?>([^<]+)<\/option>/g)].map(
      ([, value, selected, words]) => `${value}${selected ? "*" : ""}=${words}`,
    );
    expect(durations).toEqual(["PT15M=15 minutes", "PT30M=30 minutes", "PT1H*=1 hour", "PT2H=2 hours", "PT4H=4 hours"]);
    expect(ask).toContain('maxlength="2000"');
    expect(ask).toContain('maxlength="200"');
    expect(hidden(ask, "idempotencyKey")).toMatch(/^[0-9a-f]{32}$/);
    // The clusters' states, without readiness (GET /api/readiness is the approvers').
    expect(sectionOf(page, "clusters")).toContain("aks-prod-weu");
    expect(sectionOf(page, "clusters")).not.toContain("Readiness");
  });

  it("shows an open window to its requester and to approvers with the time left, extend for the requester, close for both", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT1H");
    h.clock.advance(10 * MINUTE);
    const alices = await consolePage(h, "alice");
    expect(requestIdsIn(alices, "open")).toEqual([id]);
    const card = cardOf(alices, "open", id);
    expect(card).toContain("50 minutes left");
    expect(card).toContain("Bob Approver (bob@contoso.dev)");
    expect(card).toContain("Close window");
    // At most PT4H from when it opened: 15 minutes up to the 3 hours left.
    expect(card).toContain('<option value="PT15M">15 minutes</option>');
    expect(card).toContain('<option value="PT3H">3 hours</option>');
    expect(card).not.toContain('value="PT4H"');
    const bobs = cardOf(await consolePage(h, "bob"), "open", id);
    expect(bobs).toContain("Close window");
    expect(bobs).not.toContain("/extend");
    const clusters = sectionOf(await consolePage(h, "bob"), "clusters");
    expect(clusters).toMatch(/aks-prod-weu<\/th><td>enabled<\/td><td>1<\/td>/);
  });

  it("raises an alert when local accounts are enabled with no window (drift)", async () => {
    const h = await createHarness();
    await h.world.clusterControl.setLocalAccountsOutOfBand(h.cluster(), true);
    const page = text(await consolePage(h, "alice"));
    expect(page).toMatch(
      /<p class="banner critical" role="alert">Local accounts are enabled on aks-prod-weu with no window open\. .*az aks update --resource-group rg-aks-prod --name aks-prod-weu --disable-local-accounts<\/p>/,
    );
  });

  it("raises an alert when a lockdown failed", async () => {
    const h = await createHarness();
    await h.world.clusterControl.injectFault(h.cluster(), { operation: "disable", status: 503, count: 1000 });
    const id = await openWindow(h, "alice", "PT15M");
    await h.engine.advanceBy(17 * MINUTE);
    expect((await h.app.requests.get(id))?.status).toBe("lockdown-failed");
    const page = text(await consolePage(h, "bob"));
    expect(page).toMatch(new RegExp(`role="alert">Lockdown failed on aks-prod-weu \\(request ${id}\\)`));
  });

  it("shows mallory what she may not do and who to ask, and nothing else", async () => {
    const h = await createHarness();
    const id = await requested(h, "alice");
    const page = await consolePage(h, "mallory");
    expect(page.status).toBe(403);
    expect(text(page)).toContain("You cannot use the break-glass console");
    expect(text(page)).toContain("ask your platform team");
    expect(text(page)).not.toContain(id);
    expect(text(page)).not.toContain("aks-prod-weu");
    expect(text(page)).not.toContain("<form");
    expect(text(page)).not.toContain("<section");
  });

  it("holds hostile justifications and tickets as text", async () => {
    const h = await createHarness();
    const hostile = `<script>alert(1)</script>"><img src=x onerror=alert(2)>\u202Egnp.exe`;
    const created = await h.call(h.app.api.createRequest, {
      as: "alice",
      json: { cluster: WEU, justification: hostile, ticket: `"><svg onload=alert(3)>`, duration: "PT1H" },
    });
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };
    for (const page of [await consolePage(h, "bob"), await requestPage(h, id, "bob")]) {
      const html = text(page);
      expect(html).not.toContain("<script>alert");
      expect(html).not.toContain("<img src=x");
      expect(html).not.toContain("<svg onload");
      expect(html).not.toContain("\u202E");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      // Exactly the page's own script, once.
      expect(html.match(/<script/g)).toHaveLength(1);
    }
  });

  it("sends a strict CSP whose only script is the page's own, with the other page headers", async () => {
    const h = await createHarness();
    const page = await consolePage(h, "bob");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(
      /^default-src 'none'; style-src 'nonce-([^']+)'; script-src 'nonce-\1'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/,
    );
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
    expect(text(page)).toContain(`<script nonce="${nonce}">`);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    // A new nonce for every page served.
    expect((await consolePage(h, "bob")).headers.get("content-security-policy")).not.toBe(csp);
  });

  it("shows a notice named by the redirect after a form, and no words a link brings", async () => {
    const h = await createHarness();
    expect(text(await consolePage(h, "alice", { notice: "asked" }))).toContain(
      'role="status">Your request was sent to the approvers.',
    );
    const forged = text(await consolePage(h, "alice", { notice: "<b>Call 555-0100 now</b>" }));
    expect(forged).not.toContain("555-0100");
    expect(forged).not.toContain('class="banner ok"');
  });

  it("changes nothing when read: not the stores, not the clusters, not a workflow", async () => {
    const h = await createHarness();
    const pending = await requested(h, "alice", NEU);
    const open = await openWindow(h, "carol", "PT1H");
    const before = await stateSnapshot(h);
    for (const user of ["alice", "bob", "carol", "mallory", undefined] as const) {
      await consolePage(h, user);
      await consolePage(h, user, { notice: "approved" });
      for (const id of [pending, open]) await requestPage(h, id, user);
    }
    expect(await stateSnapshot(h)).toEqual(before);
  });
});

describe("a request's page (GET /api/console/requests/{id})", () => {
  it("shows its requester and approvers the request, its audit verdict and its evidence", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT15M");
    for (const user of ["alice", "bob"] as const) {
      const page = await requestPage(h, id, user);
      expect(page.status).toBe(200);
      const html = text(page);
      expect(html).toContain("Emergency access to aks-prod-weu");
      // The verdict is the approvers' (as GET /api/audit/verify).
      expect(sectionOf(html, "audit")).toMatch(
        user === "bob" ? /Verified: \d+ entries/ : /The verdict on the audit trail is shown to approvers/,
      );
      expect(sectionOf(html, "evidence")).toContain("Evidence");
      expect(html).toContain("Close window");
      expect(html).toContain('<time datetime="');
    }
    expect(text(await requestPage(h, id, "alice"))).toContain(`/api/console/requests/${id}/extend`);
    expect(text(await requestPage(h, id, "bob"))).not.toContain(`/api/console/requests/${id}/extend`);
  });

  it("answers 404 alike for an unknown id, a malformed one, and one the viewer may not see", async () => {
    const h = await createHarness();
    const carols = await requested(h, "carol");
    const unknown = carols.replace(/.$/, (last) => (last === "0" ? "1" : "0"));
    const answers = [
      await requestPage(h, carols, "alice"),
      await requestPage(h, carols, "mallory"),
      await requestPage(h, unknown, "bob"),
      await requestPage(h, "<script>", "bob"),
    ];
    for (const page of answers) {
      expect(page.status).toBe(404);
      expect(text(page)).toContain("No such request");
      expect(text(page)).not.toContain("INC-77");
    }
  });
});
