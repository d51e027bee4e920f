// The review page and its decision form, called with real HttpRequest objects: every rule of
// the two-person approval from a link, and proof that opening a link changes nothing.
import { describe, expect, it } from "vitest";
import { createReviewTokens } from "../../src/http/reviewTokens.js";
import { SIMULATION_USERS } from "../../src/app/simulationDefaults.js";
import { AZURE_AUDIENCE } from "../support/azureWorld.js";
import { azureHarness } from "../support/azureHarness.js";
import { createHarness, MINUTE, T0, USERS, WEU, type Harness, type Reply, type UserName } from "../support/harness.js";
import { INVISIBLE } from "../support/text.js";
import { openWindow } from "../support/windows.js";

const NEW_REQUEST = {
  cluster: WEU,
  justification: "Entra ID outage: kubectl through AAD fails",
  ticket: "INC-77",
  duration: "PT1H",
};

async function pendingRequest(
  h: Harness,
  as: UserName = "alice",
  json: typeof NEW_REQUEST = NEW_REQUEST,
): Promise<{ id: string; link: string; token: string }> {
  const created = await h.call(h.app.api.createRequest, { as, json });
  expect(created.status).toBe(202);
  const { id } = created.body as { id: string };
  const [mail] = (await h.world.outbox.list(id)).filter((message) => message.channel === "email");
  const link = mail!.links.find((candidate) => candidate.label === "Review and decide")!.url;
  return { id, link, token: new URL(link).searchParams.get("token")! };
}

/** The simulation's browser session of a user: the cookie /api/dev/login sets. */
async function session(h: Harness, user: UserName): Promise<string> {
  return `breakglass_session=${await h.token(user)}`;
}

async function open(
  h: Harness,
  id: string,
  token: string,
  as?: UserName,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return h.call(h.app.review.reviewRequest, {
    params: { id },
    query: { token },
    headers: { ...(as ? { cookie: await session(h, as) } : {}), ...headers },
  });
}

async function submit(
  h: Harness,
  id: string,
  form: Record<string, string>,
  as?: UserName,
  contentType = "application/x-www-form-urlencoded",
): Promise<Reply> {
  return h.call(h.app.review.submitReview, {
    params: { id },
    method: "POST",
    body: new URLSearchParams(form).toString(),
    headers: { "content-type": contentType, ...(as ? { cookie: await session(h, as) } : {}) },
  });
}

function field(page: Reply, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]+)"`).exec(String(page.body))?.[1];
}

function html(reply: Reply): string {
  return String(reply.body);
}

async function snapshotOf(h: Harness, id: string) {
  return {
    request: await h.app.requests.get(id),
    audit: await h.auditTypes(id),
    activities: h.engine.activityCalls(id).length,
  };
}

describe("the review page (GET)", () => {
  it("shows a signed-in approver exactly what they approve, with Approve and Deny forms", async () => {
    const h = await createHarness();
    const { id, link, token } = await pendingRequest(h);
    expect(link).toBe(`http://localhost:7071/api/requests/${id}/review?token=${token}`);
    const page = await open(h, id, token, "bob");
    expect(page.status).toBe(200);
    const text = html(page);
    for (const fact of [
      "Alice Admin (alice@contoso.dev)",
      "aks-prod-weu",
      WEU,
      "Entra ID outage: kubectl through AAD fails",
      "INC-77",
      "1 hour",
      "10:00 UTC (now)",
      "10:30 UTC (in 30 minutes)",
      "0 of 1: none yet",
      "pending-approval",
    ]) {
      expect(text).toContain(fact);
    }
    expect(text).toContain('value="approve"');
    expect(text).toContain('value="deny"');
    expect(field(page, "token")).toBe(token);
    expect(field(page, "csrf")).toBeDefined();
    // One script, the page's own: the viewer's local time beside each UTC time.
    expect(text.match(/<script/g)).toHaveLength(1);
    expect(text).toContain(`<time datetime="${T0.toISOString()}">10:00 UTC (now)</time>`);
  });

  it("sends the headers a page that carries a token needs", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const page = await open(h, id, token, "bob");
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toMatch(
      /^default-src 'none'; style-src 'nonce-([^']+)'; script-src 'nonce-\1'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/,
    );
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const nonce = /style-src 'nonce-([^']+)'/.exec(page.headers.get("content-security-policy")!)![1]!;
    expect(html(page)).toContain(`<style nonce="${nonce}">`);
  });

  it("asks whoever is not signed in to sign in, and shows nothing of the request", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const page = await open(h, id, token);
    expect(page.status).toBe(401);
    expect(html(page)).toContain("Sign in to review this request");
    expect(html(page)).not.toContain("INC-77");
    const returnTo = encodeURIComponent(`/api/requests/${id}/review?token=${token}`);
    expect(html(page)).toContain(`/api/dev/login?user=bob%40contoso.dev&amp;returnTo=${returnTo}`);
  });

  it.each([
    [
      "forged (signed with another key)",
      async (id: string) =>
        (
          await createReviewTokens("another-key-of-at-least-32-characters!!", "http://localhost:7071").reviewUrl(
            id,
            "2026-11-28T10:30:00.000Z",
            T0,
          )
        ).split("token=")[1]!,
    ],
    ["tampered", async (_id: string, token: string) => `${token.slice(0, -2)}xx`],
    ["missing", async () => ""],
    ["garbage", async () => "not-a-token"],
  ])("refuses a %s link", async (_what, makeToken) => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const page = await open(h, id, await makeToken(id, token), "bob");
    expect(page.status).toBe(403);
    expect(html(page)).toContain("This link is not valid");
    expect(html(page)).not.toContain("INC-77");
  });

  it("refuses a link of another request", async () => {
    const h = await createHarness();
    const first = await pendingRequest(h, "alice");
    const second = await pendingRequest(h, "carol");
    const page = await open(h, first.id, second.token, "bob");
    expect(page.status).toBe(403);
    expect(html(page)).toContain("This link is not valid");
  });

  it("says an expired link has expired", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    h.clock.advance(30 * MINUTE);
    const page = await open(h, id, token, "bob");
    expect(page.status).toBe(410);
    expect(html(page)).toContain("can no longer be decided");
  });

  it("shows the requester their request without buttons, also when they are an approver too (carol)", async () => {
    const h = await createHarness();
    for (const requester of ["alice", "carol"] as const) {
      const { id, token } = await pendingRequest(h, requester);
      const page = await open(h, id, token, requester);
      expect(page.status).toBe(200);
      expect(html(page)).toContain("This is your request: a second person must approve it");
      expect(html(page)).not.toContain('value="approve"');
      expect(field(page, "csrf")).toBeUndefined();
    }
  });

  it("does not show mallory the request", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const page = await open(h, id, token, "mallory");
    expect(page.status).toBe(403);
    expect(html(page)).toContain("only members of the approver group may decide requests");
    expect(html(page)).not.toContain("INC-77");
  });

  it("changes nothing, however often it is opened and by whom (a mail scanner, a GET flood)", async () => {
    const h = await createHarness();
    const { id, token, link } = await pendingRequest(h);
    const before = await snapshotOf(h, id);
    for (let i = 0; i < 25; i++) {
      await open(h, id, token, (["bob", "carol", "alice", "mallory"] as const)[i % 4]);
      await open(h, id, token); // a scanner following the link
      await h.call(h.app.review.reviewRequest, {
        params: { id },
        query: Object.fromEntries(new URL(link).searchParams),
      });
    }
    expect(await snapshotOf(h, id)).toEqual(before);
    expect(await h.localAccounts()).toBe("disabled");
  });
});

describe("times and lengths on the page", () => {
  it("are in words, as of when the page is served", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT1H");
    h.clock.advance(20 * MINUTE);
    expect(
      (await h.call(h.app.api.extendRequest, { as: "alice", params: { id }, json: { duration: "PT1H30M" } })).status,
    ).toBe(202);
    const mail = (await h.world.outbox.list(id)).find(
      (message) => message.kind === "extension-requested" && message.channel === "email",
    )!;
    const token = new URL(mail.links[0]!.url).searchParams.get("token")!;
    const page = html(await open(h, id, token, "carol"));
    expect(page).toContain(
      "Extension requested: approving keeps local admin accounts on aks-prod-weu enabled until 12:30 UTC (in 2 hours 10 minutes) " +
        "instead of 11:00 UTC (in 40 minutes); decide before 10:50 UTC (in 30 minutes).",
    );
    const words = page.replace(/<\/?time[^>]*>/g, "");
    expect(words).toContain(
      "<td>1 hour 30 minutes, until 12:30 UTC (in 2 hours 10 minutes): pending; 0 of 1 approval(s)</td>",
    );
    expect(words).toContain("<td>10:00 UTC (20 minutes ago) → 11:00 UTC (in 40 minutes)</td>");
    expect(mail.text).toContain("until 12:30 UTC (in 2 hours 10 minutes) instead of 11:00 UTC (in 40 minutes)");
  });

  it("give the day of a deadline that is not today", async () => {
    const h = await createHarness({ env: { BREAKGLASS_APPROVAL_TIMEOUT: "PT20H" } });
    const { id, token } = await pendingRequest(h);
    const page = html(await open(h, id, token, "bob"));
    expect(page).toContain("decide before 29 Nov 06:00 UTC (in 20 hours).");
    expect(page).toContain('<td><time datetime="2026-11-29T06:00:00.000Z">29 Nov 06:00 UTC (in 20 hours)</time></td>');
  });
});

describe("hostile text on the page", () => {
  it("shows a justification, a ticket and a deny reason as text: no tag, link, control or bidi character", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h, "alice", {
      ...NEW_REQUEST,
      justification:
        "[Approve here](https://evil.example) **URGENT** <img src=x onerror=alert(1)> <b>bold</b>\n" +
        "# heading \u202Eesrever\u202C \u2066isolate\u2069 nul\u0000 esc\u001B[31m c1\u0085 zero\u200Bwidth",
      ticket: "INC-1\u202E\u200F",
    });
    const page = await open(h, id, token, "bob");
    expect(page.status).toBe(200);
    const text = html(page);
    expect(text).not.toMatch(INVISIBLE);
    expect(text).not.toMatch(/<(img|b)\b/);
    expect(text).not.toContain('href="https://evil.example"');
    expect(text).toContain(
      "[Approve here](https://evil.example) **URGENT** &lt;img src=x onerror=alert(1)&gt; &lt;b&gt;bold&lt;/b&gt;<br>" +
        "# heading [U+202E]esrever[U+202C] [U+2066]isolate[U+2069] nul[U+0000] esc[U+001B][31m c1[U+0085] zero[U+200B]width",
    );
    expect(text).toContain("<td>INC-1[U+202E][U+200F]</td>");

    const denied = await submit(
      h,
      id,
      {
        token,
        csrf: field(page, "csrf")!,
        decision: "deny",
        reason: "<i>no</i>\u202E\r\nsee [here](https://evil.example)",
      },
      "bob",
    );
    expect(denied.status).toBe(200);
    expect(html(denied)).not.toMatch(INVISIBLE);
    expect(html(denied)).not.toMatch(/<i>/);
    expect(html(denied)).toContain("&lt;i&gt;no&lt;/i&gt;[U+202E]<br>see [here](https://evil.example)");
  });
});

describe("deciding from the page (POST)", () => {
  it("says a decision is on its way while the workflow has yet to take it (Durable queues events in Azure)", async () => {
    const queued: (() => Promise<void>)[] = [];
    const h = await createHarness({
      wrapWorkflow: (client) => ({
        startWindow: (input) => client.startWindow(input),
        status: (requestId) => client.status(requestId),
        startGroupWatch: (instanceId, input) => client.startGroupWatch(instanceId, input),
        sendAction: async (requestId, action) => void queued.push(() => client.sendAction(requestId, action)),
      }),
    });
    const { id, token } = await pendingRequest(h);
    const page = await open(h, id, token, "bob");
    const form = { token: field(page, "token")!, csrf: field(page, "csrf")!, decision: "approve" };
    const result = await submit(h, id, form, "bob");
    expect(result.status).toBe(200);
    expect(html(result)).toContain("Your approval of this request was sent and is being recorded");
    for (const deliver of queued) await deliver();
    expect((await h.app.requests.get(id))!.status).toBe("open");
  });

  it("approves with the page's form: the window opens and a result page says so", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const page = await open(h, id, token, "bob");
    const result = await submit(
      h,
      id,
      { token: field(page, "token")!, csrf: field(page, "csrf")!, decision: "approve" },
      "bob",
    );
    expect(result.status).toBe(200);
    expect(html(result)).toContain("You approved this request");
    expect(html(result)).toContain("Local accounts are enabled until 11:00 UTC (in 1 hour).");
    expect(await h.app.requests.get(id)).toMatchObject({
      status: "open",
      approvals: [{ approver: { oid: USERS.bob.oid } }],
    });
    expect(await h.localAccounts()).toBe("enabled");
  });

  it("denies with a reason", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const page = await open(h, id, token, "carol");
    const result = await submit(
      h,
      id,
      { token, csrf: field(page, "csrf")!, decision: "deny", reason: "use the runbook" },
      "carol",
    );
    expect(result.status).toBe(200);
    expect(html(result)).toContain("You denied this request");
    expect(await h.app.requests.get(id)).toMatchObject({
      status: "denied",
      outcome: { message: expect.stringContaining("use the runbook") },
    });
  });

  it("refuses a form without the anti-CSRF token, or with someone else's, or another request's", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const other = await pendingRequest(h, "carol");
    const tokens = createReviewTokens(h.config.linkSigningKey, h.config.publicBaseUrl);
    for (const csrf of ["", "forged", tokens.csrf(USERS.carol.oid, id), tokens.csrf(USERS.bob.oid, other.id)]) {
      const result = await submit(h, id, { token, csrf, decision: "approve" }, "bob");
      expect(result.status).toBe(403);
      expect(html(result)).toContain("This form cannot be accepted");
    }
    expect(await h.app.requests.get(id)).toMatchObject({ status: "pending-approval", approvals: [] });
  });

  it("refuses a form whose link is bad, and one sent by nobody", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const csrf = createReviewTokens(h.config.linkSigningKey, h.config.publicBaseUrl).csrf(USERS.bob.oid, id);
    expect((await submit(h, id, { token: "garbage", csrf, decision: "approve" }, "bob")).status).toBe(403);
    expect((await submit(h, id, { token, csrf, decision: "approve" })).status).toBe(401);
    expect((await h.app.requests.get(id))!.approvals).toEqual([]);
  });

  it("refuses self-approval by carol, who is in both groups, even with a valid form of her own", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h, "carol");
    const csrf = createReviewTokens(h.config.linkSigningKey, h.config.publicBaseUrl).csrf(USERS.carol.oid, id);
    const result = await submit(h, id, { token, csrf, decision: "approve" }, "carol");
    expect(result.status).toBe(403);
    expect(html(result)).toContain("you cannot decide your own request");
    expect(await h.app.requests.get(id)).toMatchObject({ status: "pending-approval", approvals: [] });
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("refuses mallory", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const csrf = createReviewTokens(h.config.linkSigningKey, h.config.publicBaseUrl).csrf(USERS.mallory.oid, id);
    const result = await submit(h, id, { token, csrf, decision: "approve" }, "mallory");
    expect(result.status).toBe(403);
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("refuses a second approval by the same approver: distinct approvers only", async () => {
    const h = await createHarness({ env: { BREAKGLASS_REQUIRED_APPROVALS: "2" } });
    const { id, token } = await pendingRequest(h);
    const page = await open(h, id, token, "bob");
    const form = { token, csrf: field(page, "csrf")!, decision: "approve" };
    expect((await submit(h, id, form, "bob")).status).toBe(200);
    const again = await submit(h, id, form, "bob");
    expect(again.status).toBe(409);
    expect(html(again)).toContain("you have already approved this request");
    expect(html(await open(h, id, token, "bob"))).toContain(
      "You approved this request. Waiting for 1 more approval(s)",
    );
    expect(await h.localAccounts()).toBe("disabled");
    const carolPage = await open(h, id, token, "carol");
    expect((await submit(h, id, { token, csrf: field(carolPage, "csrf")!, decision: "approve" }, "carol")).status).toBe(
      200,
    );
    expect(await h.localAccounts()).toBe("enabled");
  });

  it("answers 409 with a page after the deadline, and after an outcome", async () => {
    const h = await createHarness();
    const late = await pendingRequest(h);
    const latePage = await open(h, late.id, late.token, "bob");
    h.clock.advance(30 * MINUTE);
    const tooLate = await submit(
      h,
      late.id,
      { token: late.token, csrf: field(latePage, "csrf")!, decision: "approve" },
      "bob",
    );
    expect(tooLate.status).toBe(409);
    expect(html(tooLate)).toContain("can no longer be decided");

    const decided = await pendingRequest(h, "carol");
    const bobPage = await open(h, decided.id, decided.token, "bob");
    await submit(h, decided.id, { token: decided.token, csrf: field(bobPage, "csrf")!, decision: "deny" }, "bob");
    const carolNoLonger = await open(h, decided.id, decided.token, "bob");
    expect(html(carolNoLonger)).toContain("Denied:");
    const afterOutcome = await submit(
      h,
      decided.id,
      { token: decided.token, csrf: field(bobPage, "csrf")!, decision: "approve" },
      "bob",
    );
    expect(afterOutcome.status).toBe(409);
    expect(html(afterOutcome)).toContain("it no longer takes decisions");
    expect(html(afterOutcome)).toContain("INC-77"); // says what happened, with the request
  });

  it("answers bad forms with a page, never JSON and never a 500", async () => {
    const h = await createHarness();
    const { id, token } = await pendingRequest(h);
    const csrf = createReviewTokens(h.config.linkSigningKey, h.config.publicBaseUrl).csrf(USERS.bob.oid, id);
    const json = await submit(h, id, { token, csrf, decision: "approve" }, "bob", "application/json");
    expect(json.status).toBe(415);
    expect(json.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect((await submit(h, id, { token, csrf, decision: "maybe" }, "bob")).status).toBe(400);
    expect((await submit(h, id, { token, csrf, decision: "deny", reason: "x".repeat(1001) }, "bob")).status).toBe(400);
    expect((await submit(h, id, { token, csrf, decision: "deny", reason: "x".repeat(17_000) }, "bob")).status).toBe(
      413,
    );
    expect((await h.app.requests.get(id))!.status).toBe("pending-approval");
  });
});

describe("sign-in behind App Service Authentication (azure mode)", () => {
  it("trusts the forwarded ID token once validated, never the unsigned principal header", async () => {
    const h = await azureHarness();
    const created = await h.call(h.app.api.createRequest, { as: "alice", json: NEW_REQUEST });
    const { id } = created.body as { id: string };
    const link = h.azure.graph.sentMail()[0]!.message.body.content.match(/href="([^"]+\/review\?token=[^"]+)"/)![1]!;
    const token = new URL(link.replaceAll("&amp;", "&")).searchParams.get("token")!;
    const bob = SIMULATION_USERS.find((user) => user.upn === "bob@contoso.dev")!;
    const idToken = await h.azure.entra.token(bob, AZURE_AUDIENCE, h.clock.date(), "id");

    const page = await open(h, id, token, undefined, { "x-ms-token-aad-id-token": idToken });
    expect(page.status).toBe(200);
    expect(html(page)).toContain('value="approve"');

    const principal = Buffer.from(JSON.stringify({ auth_typ: "aad", claims: [{ typ: "oid", val: bob.oid }] })).toString(
      "base64",
    );
    const spoofed = await open(h, id, token, undefined, {
      "x-ms-client-principal": principal,
      "x-ms-client-principal-id": bob.oid,
    });
    expect(spoofed.status).toBe(401);
    expect(html(spoofed)).toContain("/.auth/login/aad?post_login_redirect_uri=");

    const forged = await open(h, id, token, undefined, { "x-ms-token-aad-id-token": `${idToken.slice(0, -4)}abcd` });
    expect(forged.status).toBe(401);
  });
});
