// The console's forms, posted the way a browser posts them: each does what the API's route does,
// and a form without the console's anti-CSRF token for this viewer and this subject, from another
// site, too large or of the wrong type changes nothing at all.
import { describe, expect, it } from "vitest";
import { NEW_REQUEST_SUBJECT } from "../../src/domain/console.js";
import { createConsoleTokens } from "../../src/http/console/tokens.js";
import { createHarness, MINUTE, NEU, USERS, WEU, type Harness, type Reply, type UserName } from "../support/harness.js";
import { act, ask, askFields, cardOf, consolePage, hidden, requestIdsIn, sectionOf, text } from "../support/console.js";
import { stateSnapshot } from "../support/stateSnapshot.js";
import { openWindow, requestStatus } from "../support/windows.js";

const VALUES = {
  cluster: WEU,
  duration: "PT30M",
  justification: "Entra ID outage: kubectl via AAD fails",
  ticket: "INC-88",
};

/** The ask form of `user`'s console, filled in. */
async function askForm(h: Harness, user: UserName = "alice", values: Record<string, string> = VALUES) {
  return askFields(await consolePage(h, user), values);
}

/** The csrf of request `id`'s forms on `user`'s console. */
async function csrfOf(h: Harness, user: UserName, section: string, id: string): Promise<string> {
  return hidden(cardOf(await consolePage(h, user), section, id), "csrf")!;
}

async function pending(h: Harness, as: UserName = "alice", cluster: string = WEU): Promise<string> {
  const created = await h.call(h.app.api.createRequest, {
    as,
    json: { cluster, justification: "Entra outage", ticket: "INC-1", duration: "PT1H" },
  });
  expect(created.status).toBe(202);
  return (created.body as { id: string }).id;
}

/** What the app stores and runs; with `refusalsAudited`, without the security stream (refusals are audited there). */
async function state(h: Harness, refusalsAudited: boolean) {
  const { tables, instances } = await stateSnapshot(h);
  const kept = (rows: readonly string[]) => (refusalsAudited ? rows.filter((row) => !row.includes("security-")) : rows);
  return { tables: Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, kept(rows)])), instances };
}

/**
 * Asserts that `run` answers `status` and changes nothing the app stores or runs, but for the audit
 * entry of a refusal the API would audit too (`refusalsAudited`).
 */
async function changesNothing(
  h: Harness,
  run: () => Promise<Reply>,
  status: number,
  refusalsAudited = false,
): Promise<Reply> {
  // The console read once, so that the simulated world has been set up before the snapshot.
  await consolePage(h, "bob");
  const before = await state(h, refusalsAudited);
  const reply = await run();
  expect(reply.status).toBe(status);
  expect(await state(h, refusalsAudited)).toEqual(before);
  return reply;
}

describe("Ask for a window (POST /api/console/requests)", () => {
  it("creates the request as the API does, and redirects to the console with a notice", async () => {
    const h = await createHarness();
    const reply = await ask(h, await askForm(h), { as: "alice" });
    expect(reply.status).toBe(303);
    expect(reply.headers.get("location")).toBe("/api/console?notice=asked");
    const [created] = await h.app.requests.list({});
    expect(created).toMatchObject({
      status: "pending-approval",
      duration: "PT30M",
      ticket: "INC-88",
      justification: VALUES.justification,
      requester: { upn: USERS.alice.upn },
      cluster: { id: WEU },
    });
    expect(await h.auditTypes(created!.id)).toContain("requested");
    expect(requestIdsIn(await consolePage(h, "bob"), "waiting")).toEqual([created!.id]);
  });

  it("makes one request of a form submitted twice, one after the other or at once", async () => {
    const h = await createHarness();
    const fields = await askForm(h);
    const first = await ask(h, fields, { as: "alice" });
    const second = await ask(h, fields, { as: "alice" });
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(await h.app.requests.list({})).toHaveLength(1);
    const again = await askForm(h, "alice", { ...VALUES, cluster: NEU });
    const replies = await Promise.all([ask(h, again, { as: "alice" }), ask(h, again, { as: "alice" })]);
    expect(replies.every((reply) => reply.status === 303 || reply.status === 409)).toBe(true);
    expect((await h.app.requests.list({})).filter((request) => request.cluster.id === NEU)).toHaveLength(1);
  });

  it("shows the API's errors in the page, keeps what was typed, and changes nothing", async () => {
    const h = await createHarness();
    await pending(h, "carol", NEU);
    const cases: [Record<string, string>, number, string][] = [
      [{ ...VALUES, justification: "" }, 400, "justification"],
      [{ ...VALUES, duration: "PT9H" }, 400, "outside the policy"],
      [{ ...VALUES, cluster: WEU.replace("aks-prod-weu", "aks-unknown") }, 403, "not managed"],
    ];
    for (const [values, status, words] of cases) {
      const fields = await askForm(h, "alice", values);
      const reply = await changesNothing(h, () => ask(h, fields, { as: "alice" }), status, status === 403);
      expect(text(reply)).toMatch(new RegExp(`role="alert">Your request was not accepted: [^<]*${words}`));
      expect(sectionOf(reply, "ask")).toContain(`value="${values.ticket}"`);
    }
    const lostKey = { ...(await askForm(h)), idempotencyKey: "" };
    expect(text(await changesNothing(h, () => ask(h, lostKey, { as: "alice" }), 400))).toContain("reload the console");
  });

  it("refuses a form without the console's token for this viewer, or from another site, and changes nothing", async () => {
    const h = await createHarness();
    await pending(h, "carol", NEU);
    const tokens = createConsoleTokens(h.config.linkSigningKey);
    const bobs = tokens.issue(USERS.bob.oid, NEW_REQUEST_SUBJECT, h.clock.date());
    const forAnotherForm = tokens.issue(USERS.alice.oid, "r-1", h.clock.date());
    const forged = createConsoleTokens("another deployment's key that is long enough").issue(
      USERS.alice.oid,
      NEW_REQUEST_SUBJECT,
      h.clock.date(),
    );
    const fields = await askForm(h);
    for (const csrf of ["", "garbage", bobs, forAnotherForm, forged]) {
      const reply = await changesNothing(h, () => ask(h, { ...fields, csrf }, { as: "alice" }), 403);
      expect(text(reply)).toContain("This form cannot be accepted");
    }
    for (const site of ["cross-site", "same-site"]) {
      const reply = await changesNothing(
        h,
        () => ask(h, fields, { as: "alice", headers: { "sec-fetch-site": site } }),
        403,
      );
      expect(text(reply)).toContain("It was sent from another site");
    }
    expect((await changesNothing(h, () => ask(h, fields), 401)).status).toBe(401);
  });

  it("refuses a page's form once it is older than 8 hours", async () => {
    const h = await createHarness();
    await pending(h, "carol", NEU);
    const fields = await askForm(h);
    h.clock.advance(8 * 60 * MINUTE + MINUTE);
    const reply = await changesNothing(h, () => ask(h, fields, { as: "alice" }), 403);
    expect(text(reply)).toContain("This page is too old");
  });

  it("accepts a form of 16 KiB and refuses one byte more with a 413, or the wrong type with a 415", async () => {
    const h = await createHarness();
    await pending(h, "carol", NEU);
    const body = (fields: Record<string, string>, size: number) => {
      const encoded = new URLSearchParams(fields).toString();
      return `${encoded}&padding=${"x".repeat(size - encoded.length - "&padding=".length)}`;
    };
    const tooLarge = body(await askForm(h), 16 * 1024 + 1);
    expect(tooLarge).toHaveLength(16 * 1024 + 1);
    await changesNothing(h, () => ask(h, {}, { as: "alice", body: tooLarge }), 413);
    const wrongType = { as: "alice" as const, headers: { "content-type": "application/json" } };
    await changesNothing(h, () => ask(h, VALUES, wrongType), 415);
    const exactly = body(await askForm(h), 16 * 1024);
    expect((await ask(h, {}, { as: "alice", body: exactly })).status).toBe(303);
  });
});

describe("a request's forms (POST /api/console/requests/{id}/{action})", () => {
  it("bob approves from Waiting for you, and the window opens", async () => {
    const h = await createHarness();
    const id = await pending(h);
    const reply = await act(h, id, "approve", { csrf: await csrfOf(h, "bob", "waiting", id) }, { as: "bob" });
    expect(reply.status).toBe(303);
    expect(reply.headers.get("location")).toBe("/api/console?notice=approved");
    expect(await requestStatus(h, id)).toBe("open");
    expect(await h.localAccounts()).toBe("enabled");
    expect(requestIdsIn(await consolePage(h, "alice"), "open")).toEqual([id]);
  });

  it("bob denies with a reason", async () => {
    const h = await createHarness();
    const id = await pending(h);
    const csrf = await csrfOf(h, "bob", "waiting", id);
    const reply = await act(h, id, "deny", { csrf, reason: "use the runbook first" }, { as: "bob" });
    expect(reply.headers.get("location")).toBe("/api/console?notice=denied");
    expect(await h.app.requests.get(id)).toMatchObject({
      status: "denied",
      outcome: { message: expect.stringContaining("use the runbook first") },
    });
  });

  it("alice extends her open window and closes it", async () => {
    const h = await createHarness();
    const id = await openWindow(h, "alice", "PT1H");
    const csrf = await csrfOf(h, "alice", "open", id);
    const extended = await act(h, id, "extend", { csrf, duration: "PT30M" }, { as: "alice" });
    expect(extended.headers.get("location")).toBe("/api/console?notice=extension-asked");
    expect((await h.app.requests.get(id))?.extension).toMatchObject({ status: "pending", duration: "PT30M" });
    const closed = await act(h, id, "close", { csrf }, { as: "alice" });
    expect(closed.headers.get("location")).toBe("/api/console?notice=closing");
    expect(await requestStatus(h, id)).toBe("closed");
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("alice withdraws her pending request", async () => {
    const h = await createHarness();
    const id = await pending(h);
    const reply = await act(h, id, "close", { csrf: await csrfOf(h, "alice", "recent", id) }, { as: "alice" });
    expect(reply.headers.get("location")).toBe("/api/console?notice=withdrawn");
    expect(await requestStatus(h, id)).toBe("closed");
  });

  it("refuses what the API refuses, in the console, and changes nothing", async () => {
    const h = await createHarness();
    const carols = await pending(h, "carol");
    const tokens = createConsoleTokens(h.config.linkSigningKey);
    const own = tokens.issue(USERS.carol.oid, carols, h.clock.date());
    // carol deciding her own request with a token the console would have given her for it.
    const selfApproval = await changesNothing(
      h,
      () => act(h, carols, "approve", { csrf: own }, { as: "carol" }),
      403,
      true,
    );
    expect(text(selfApproval)).toContain("you cannot decide your own request");
    // alice, who is no approver.
    const alices = tokens.issue(USERS.alice.oid, carols, h.clock.date());
    await changesNothing(h, () => act(h, carols, "approve", { csrf: alices }, { as: "alice" }), 403, true);
    // bob extending carol's window: only its requester may.
    const bobs = tokens.issue(USERS.bob.oid, carols, h.clock.date());
    const extend = await changesNothing(
      h,
      () => act(h, carols, "extend", { csrf: bobs, duration: "PT30M" }, { as: "bob" }),
      403,
      true,
    );
    expect(text(extend)).toContain("only the requester may ask to extend a window");
    // mallory cannot even see it.
    const mallorys = tokens.issue(USERS.mallory.oid, carols, h.clock.date());
    await changesNothing(h, () => act(h, carols, "close", { csrf: mallorys }, { as: "mallory" }), 404);
  });

  it("refuses bob's token of one request on another, alice's token in bob's session, an unknown action", async () => {
    const h = await createHarness();
    const first = await pending(h);
    const second = await pending(h, "carol", NEU);
    const bobsForFirst = await csrfOf(h, "bob", "waiting", first);
    const alicesForFirst = await csrfOf(h, "alice", "recent", first);
    const crossed = await changesNothing(
      h,
      () => act(h, second, "approve", { csrf: bobsForFirst }, { as: "bob" }),
      403,
    );
    expect(text(crossed)).toContain("This form cannot be accepted");
    await changesNothing(h, () => act(h, first, "approve", { csrf: alicesForFirst }, { as: "bob" }), 403);
    await changesNothing(h, () => act(h, first, "delete", { csrf: bobsForFirst }, { as: "bob" }), 404);
    await changesNothing(h, () => act(h, "../x", "approve", { csrf: bobsForFirst }, { as: "bob" }), 404);
    await changesNothing(
      h,
      () =>
        act(h, first, "approve", { csrf: bobsForFirst }, { as: "bob", headers: { "sec-fetch-site": "cross-site" } }),
      403,
    );
  });
});
