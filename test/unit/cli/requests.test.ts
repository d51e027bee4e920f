// `breakglass request`, `status --wait`, `list` and the decisions, against a server in a function.
import { describe, expect, it } from "vitest";
import { ALICE, BOB, errorReply, posts, REQUEST_ID, requestView, runAgainst, simulationRoutes } from "./fakeServer.js";

const ESC = "\u001b";
const REQUEST = ["request", "--cluster", "aks-prod-weu", "--reason", "Entra broken", "--ticket", "INC-1"];

const pending = requestView();
const approved = requestView({ status: "opening", approvals: [{ approver: BOB, at: "2026-12-02T03:01:00.000Z" }] });
const open = requestView({
  status: "open",
  approvals: approved.approvals,
  window: { openedAt: "2026-12-02T03:01:05.000Z", closesAt: "2026-12-02T04:01:05.000Z", closedAt: null },
});

/** Routes where GET /api/requests/{id} answers the views in turn, the last one for ever after. */
function following(...views: object[]) {
  let next = 0;
  return {
    ...simulationRoutes(),
    "POST /api/requests": () => ({ status: 202, body: pending }),
    [`GET /api/requests/${REQUEST_ID}`]: () => ({ body: views[Math.min(next++, views.length - 1)] }),
  };
}

describe("breakglass request", () => {
  it("sends the cluster's id, the ISO duration and an Idempotency-Key; --json carries the id and the key", async () => {
    const run = await runAgainst(following(pending), ["--json", ...REQUEST, "--duration", "90m"]);
    expect(run.status).toBe(0);
    const [post] = posts(run.calls, "/api/requests");
    expect(post!.body).toEqual({
      cluster: pending.cluster,
      justification: "Entra broken",
      ticket: "INC-1",
      duration: "PT1H30M",
    });
    expect(post!.headers.get("idempotency-key")).toBe("key-1");
    expect(JSON.parse(run.out)).toMatchObject({ id: REQUEST_ID, status: "pending-approval", idempotencyKey: "key-1" });
  });

  it("a POST whose answer was lost is sent again with the same key", async () => {
    let attempts = 0;
    const routes = {
      ...following(pending),
      "POST /api/requests": () =>
        ++attempts === 1 ? { networkError: "UND_ERR_SOCKET" } : { status: 202, body: pending },
    };
    const run = await runAgainst(routes, REQUEST);
    expect(run.status).toBe(0);
    const sent = posts(run.calls, "/api/requests");
    expect(sent).toHaveLength(2);
    expect(sent.map((c) => c.headers.get("idempotency-key"))).toEqual(["key-1", "key-1"]);
    expect(run.out).toContain(`${REQUEST_ID} is pending-approval and stays as it is`);
  });

  it("a 503 with Retry-After is waited out and sent again; IDEMPOTENCY_KEY_IN_USE too", async () => {
    const answers = [
      errorReply(503, "SERVICE_UNAVAILABLE", "storage is down", { "Retry-After": "7" }),
      errorReply(409, "IDEMPOTENCY_KEY_IN_USE", "the first attempt is still being processed", { "Retry-After": "1" }),
      { status: 202, body: pending },
    ];
    const routes = { ...following(pending), "POST /api/requests": () => answers.shift()! };
    const run = await runAgainst(routes, REQUEST);
    expect(run.status).toBe(0);
    expect(posts(run.calls, "/api/requests")).toHaveLength(3);
  });

  it("a refusal is not retried: 409 LIVE_REQUEST_EXISTS is exit 1 with the server's words", async () => {
    const routes = {
      ...following(pending),
      "POST /api/requests": () => errorReply(409, "LIVE_REQUEST_EXISTS", "you already have request bg-x"),
    };
    const run = await runAgainst(routes, REQUEST);
    expect(run.status).toBe(1);
    expect(run.err).toBe("breakglass: you already have request bg-x\n");
    expect(posts(run.calls, "/api/requests")).toHaveLength(1);
  });

  it("--wait: each state once without a terminal, no control codes; then the az line, the deadline, extend and close", async () => {
    const run = await runAgainst(following(pending, pending, approved, approved, open), [...REQUEST, "--wait"]);
    expect(run.status).toBe(0);
    expect(run.err).not.toContain(ESC);
    expect(run.err).toBe(
      `${REQUEST_ID}: waiting for approval · 0 of 1 approvals · decide by 03:15 UTC (in 15 minutes)\n${REQUEST_ID}: approved · opening\n`,
    );
    expect(run.out).toContain(
      "az aks get-credentials --subscription 00000000-0000-0000-0000-000000000001 --resource-group rg-aks-prod --name aks-prod-weu --admin",
    );
    expect(run.out).toMatch(/until 04:01 UTC \(in 1 hour 1 minute\)/);
    expect(run.out).toContain(`breakglass extend ${REQUEST_ID} --duration 30m`);
    expect(run.out).toContain(`breakglass close ${REQUEST_ID}`);
  });

  it("--wait on a terminal redraws one line in place", async () => {
    const run = await runAgainst(following(pending, approved, open), [...REQUEST, "--wait"], { interactive: true });
    expect(run.status).toBe(0);
    expect(run.err).toContain(`\r${ESC}[2K| ${REQUEST_ID}: waiting for approval`);
    expect(run.err).toMatch(new RegExp(`\r\u001b\\[2K[-|/\\\\] ${REQUEST_ID}: approved · opening`));
    expect(run.err.endsWith(`\r${ESC}[2K`)).toBe(true);
  });

  it.each([
    [
      requestView({
        status: "denied",
        outcome: { code: "DENIED", message: "denied by Bob: use the runbook", at: "2026-12-02T03:02:00.000Z" },
      }),
      3,
      /denied: denied by Bob: use the runbook/,
    ],
    [
      requestView({
        status: "expired",
        outcome: { code: "APPROVAL_EXPIRED", message: "nobody approved in time", at: "2026-12-02T03:15:00.000Z" },
      }),
      4,
      /expired: nobody approved in time/,
    ],
    [
      requestView({
        status: "failed",
        outcome: { code: "ENABLE_FAILED", message: "ARM refused", at: "2026-12-02T03:15:00.000Z" },
      }),
      1,
      /failed: ARM refused/,
    ],
    [
      requestView({
        status: "closed",
        window: {
          openedAt: "2026-12-02T03:01:00.000Z",
          closesAt: "2026-12-02T03:01:10.000Z",
          closedAt: "2026-12-02T03:01:10.000Z",
        },
        outcome: { code: "WINDOW_ENDED", message: "the window ended", at: "2026-12-02T03:01:10.000Z" },
      }),
      4,
      /the window has already ended \(closed\): the window ended/,
    ],
    [
      requestView({
        status: "closed",
        outcome: { code: "WITHDRAWN", message: "withdrawn by Alice", at: "2026-12-02T03:01:00.000Z" },
      }),
      1,
      /closed: withdrawn by Alice/,
    ],
  ])("--wait that ends as case %#", async (ending, exitCode, message) => {
    const run = await runAgainst(following(pending, ending), [...REQUEST, "--wait"]);
    expect(run.status).toBe(exitCode);
    expect(run.err).toMatch(message);
  });

  it("--timeout: exit 4, the request left as it is, and how to follow or withdraw it", async () => {
    const run = await runAgainst(following(pending), [...REQUEST, "--wait", "--timeout", "5s"]);
    expect(run.status).toBe(4);
    expect(run.err).toContain(
      `still pending-approval after 5 seconds: ${REQUEST_ID} is pending-approval and stays as it is.`,
    );
    expect(run.err).toContain(`breakglass status ${REQUEST_ID} --wait`);
    expect(run.calls.filter((c) => c.method === "POST" && c.path.includes("/close"))).toEqual([]);
  });

  it("Ctrl-C while waiting: exit 130, nothing withdrawn, and how to pick it up", async () => {
    let polls = 0;
    let interrupt: (() => void) | undefined;
    const routes = {
      ...following(pending),
      [`GET /api/requests/${REQUEST_ID}`]: () => {
        if (++polls === 2) interrupt?.();
        return { body: pending };
      },
    };
    const run = await runAgainst(routes, ["status", REQUEST_ID, "--wait"], {
      onListening: (handler) => (interrupt = handler),
    });
    expect(run.status).toBe(130);
    expect(run.err).toContain(`stopped waiting: ${REQUEST_ID} is pending-approval and stays as it is.`);
    expect(run.err).toContain(`withdraw it: breakglass close ${REQUEST_ID}`);
    expect(run.calls.filter((c) => c.method === "POST" && c.path !== "/api/dev/token")).toEqual([]);
  });

  it("Ctrl-C while a call hangs: the call is abandoned at once, exit 130", async () => {
    let polls = 0;
    let interrupt: (() => void) | undefined;
    const routes = {
      ...following(pending),
      [`GET /api/requests/${REQUEST_ID}`]: () => {
        if (++polls === 1) return { body: pending };
        interrupt?.();
        return { hang: true };
      },
    };
    const run = await runAgainst(routes, ["status", REQUEST_ID, "--wait"], {
      onListening: (handler) => (interrupt = handler),
    });
    expect(run.status).toBe(130);
    expect(run.err).toContain("stopped waiting");
    expect(run.calls.filter((c) => c.path === `/api/requests/${REQUEST_ID}`)).toHaveLength(2);
  });

  it("a request still pending well past its approval deadline is given up as stuck: exit 4", async () => {
    const stuck = requestView({ approvalDeadline: "2026-12-02T02:50:00.000Z" });
    const run = await runAgainst(following(stuck), ["status", REQUEST_ID, "--wait"]);
    expect(run.status).toBe(4);
    expect(run.err).toMatch(/well past its approval deadline: its workflow may be stuck/);
  });

  it("lockdown-failed while waiting says local accounts may still be enabled: exit 1", async () => {
    const failed = requestView({
      status: "lockdown-failed",
      window: { openedAt: "2026-12-02T03:01:00.000Z", closesAt: "2026-12-02T03:01:10.000Z", closedAt: null },
    });
    const run = await runAgainst(following(failed), ["status", REQUEST_ID, "--wait"]);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/lockdown failed: local accounts may still be enabled on aks-prod-weu/);
  });

  it("a server's fields cannot drive the terminal either: ids are checked, everything printed is inert", async () => {
    const hostile = requestView({
      approvalDeadline: `2026-12-02T03:15:00.000Z${ESC}]0;owned\u0007`,
      outcome: { code: `X${ESC}[2J`, message: "m", at: "2026-12-02T03:00:00.000Z" },
      extension: { duration: `PT1H${ESC}[31m`, status: `pending${ESC}[0m` },
    });
    const shown = await runAgainst(following(hostile), ["status", REQUEST_ID]);
    expect(shown.status).toBe(0);
    expect(shown.out + shown.err).not.toContain(ESC);
    const forged = await runAgainst(following(requestView({ id: `bg-x${ESC}[2J` })), ["status", REQUEST_ID]);
    expect(forged.status).toBe(1);
    expect(forged.err).toMatch(/not what this breakglass expects \(at id\)/);
    const message = {
      ...following(pending),
      [`GET /api/requests/${REQUEST_ID}`]: () => errorReply(409, "NOT_OPEN", "no\nbreakglass: open: fake"),
    };
    const oneLine = await runAgainst(message, ["status", REQUEST_ID]);
    expect(oneLine.err).toBe("breakglass: no breakglass: open: fake\n");
  });

  it("someone else's text cannot drive the terminal", async () => {
    const hostile = requestView({
      justification: `fix${ESC}[2J${ESC}]0;owned\u0007 now`,
      requester: { ...ALICE, displayName: `A${ESC}[31m` },
    });
    const run = await runAgainst(following(hostile), ["status", REQUEST_ID]);
    expect(run.status).toBe(0);
    expect(run.out).not.toContain(ESC);
    expect(run.out).not.toContain("\u0007");
  });
});

describe("breakglass list and the decisions", () => {
  const bobs = {
    ...simulationRoutes(),
    "POST /api/dev/token": () => ({
      body: {
        access_token: `x.${Buffer.from(JSON.stringify({ oid: BOB.oid })).toString("base64url")}.y`,
        expires_in: 3600,
      },
    }),
  };

  it("list --status pending-approval shows what the caller may decide, not their own", async () => {
    const own = requestView({ id: "bg-01m8tbd7zkrrdj9ygjd69yabh0", requester: BOB });
    const routes = { ...bobs, "GET /api/requests": () => ({ body: [pending, own] }) };
    const run = await runAgainst(routes, ["--user", "bob@contoso.dev", "list", "--status", "pending-approval"]);
    expect(run.status).toBe(0);
    expect(run.calls.find((c) => c.path.startsWith("/api/requests"))!.path).toBe(
      "/api/requests?status=pending-approval",
    );
    expect(run.out).toContain(REQUEST_ID);
    expect(run.out).not.toContain(own.id);
    expect(run.out).toContain("1 more you asked for or approved");
  });

  it("approve: answered with the new state once the workflow took it", async () => {
    const counted = {
      ...approved,
      actions: [
        { actor: BOB, id: "act-0000000000000001", type: "approve", at: "2026-12-02T03:01:00.000Z", result: "counted" },
      ],
    };
    const routes = {
      ...following(pending, counted),
      [`POST /api/requests/${REQUEST_ID}/approve`]: () => ({
        status: 202,
        body: { id: REQUEST_ID, action: { id: "act-0000000000000001", result: "pending" } },
      }),
    };
    const run = await runAgainst(routes, ["--user", "bob@contoso.dev", "approve", REQUEST_ID]);
    expect(run.status).toBe(0);
    expect(run.out).toBe(`approved ${REQUEST_ID}: all 1 approvals are in, the window is opening (opening)\n`);
  });

  it("an action the workflow did not count: exit 1 with why", async () => {
    const ignored = {
      ...pending,
      status: "denied",
      actions: [
        {
          actor: BOB,
          id: "act-0000000000000002",
          type: "approve",
          at: "2026-12-02T03:01:00.000Z",
          result: "ignored",
          code: "ALREADY_DENIED",
          message: "this approval arrived after the request was denied",
        },
      ],
    };
    const routes = {
      ...following(ignored),
      [`POST /api/requests/${REQUEST_ID}/approve`]: () => ({
        status: 202,
        body: { id: REQUEST_ID, action: { id: "act-0000000000000002", result: "pending" } },
      }),
    };
    const run = await runAgainst(routes, ["approve", REQUEST_ID]);
    expect(run.status).toBe(1);
    expect(run.err).toBe("breakglass: approve was not counted: this approval arrived after the request was denied\n");
    const json = await runAgainst(routes, ["--json", "approve", REQUEST_ID]);
    expect(JSON.parse(json.out)).toMatchObject({
      error: { code: "ALREADY_DENIED" },
      exitCode: 1,
      request: { id: REQUEST_ID, status: "denied", action: { result: "ignored" } },
    });
  });

  it("a decision whose answer was lost is not sent again (the server may have taken it)", async () => {
    const routes = {
      ...following(pending),
      [`POST /api/requests/${REQUEST_ID}/approve`]: () => ({ networkError: "UND_ERR_SOCKET" }),
    };
    const run = await runAgainst(routes, ["approve", REQUEST_ID]);
    expect(run.status).toBe(1);
    expect(posts(run.calls, `/api/requests/${REQUEST_ID}/approve`)).toHaveLength(1);
  });

  it("self-approval: exit 5 with the server's reason", async () => {
    const routes = {
      ...following(pending),
      [`POST /api/requests/${REQUEST_ID}/approve`]: () =>
        errorReply(403, "SELF_APPROVAL", "you cannot decide your own request; a second person must"),
    };
    const run = await runAgainst(routes, ["approve", REQUEST_ID]);
    expect(run.status).toBe(5);
    expect(run.err).toBe(
      "breakglass: not allowed: you cannot decide your own request; a second person must; someone else must decide it\n",
    );
  });

  it("deny sends the reason; extend the ISO duration", async () => {
    const accepted = () => ({
      status: 202,
      body: { id: REQUEST_ID, action: { id: "act-0000000000000003", result: "counted" } },
    });
    const routes = {
      ...following(pending),
      [`POST /api/requests/${REQUEST_ID}/deny`]: accepted,
      [`POST /api/requests/${REQUEST_ID}/extend`]: accepted,
    };
    const deny = await runAgainst(routes, ["deny", REQUEST_ID, "--reason", "use the runbook"]);
    expect(posts(deny.calls, `/api/requests/${REQUEST_ID}/deny`)[0]!.body).toEqual({ reason: "use the runbook" });
    const extend = await runAgainst(routes, ["extend", REQUEST_ID, "--duration", "30m"]);
    expect(posts(extend.calls, `/api/requests/${REQUEST_ID}/extend`)[0]!.body).toEqual({ duration: "PT30M" });
  });
});
