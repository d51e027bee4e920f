// Directory and group changes on Microsoft Graph: the real graph client against the fake Graph.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GraphApi } from "../../../src/adapters/azure/graph.js";
import { GraphDirectory } from "../../../src/adapters/azure/graphDirectory.js";
import { TransientError } from "../../../src/ports/errors.js";
import { FakeGraph, type FakeUser } from "../../support/fakes/fakeGraph.js";
import { bearerFor, fakeCredential } from "../../support/fakes/https.js";

const EMERGENCY = "9e000000-0000-4000-8000-0000000000e1";
const APPROVERS = "9e000000-0000-4000-8000-0000000000a1";
const SENIORS = "9e000000-0000-4000-8000-0000000000b1"; // nested inside the approver group
const user = (id: string, name: string, accountEnabled = true): FakeUser => ({
  id,
  displayName: name,
  userPrincipalName: `${name.toLowerCase()}@contoso.com`,
  mail: `${name.toLowerCase()}@contoso.com`,
  accountEnabled,
});
const ALICE = user("a11ce000-0000-4000-8000-000000000001", "Alice");
const BOB = user("b0b00000-0000-4000-8000-000000000002", "Bob");
const DAVE = user("da7e0000-0000-4000-8000-000000000005", "Dave");
const EVE = user("e7e00000-0000-4000-8000-000000000006", "Eve", false);

let graph: FakeGraph;
let directory: GraphDirectory;

beforeAll(async () => {
  graph = await new FakeGraph().start();
});
afterAll(() => graph.stop());
beforeEach(() => {
  graph.users.clear();
  graph.groups.clear();
  graph.requests.length = 0;
  graph.pageSize = 2;
  for (const person of [ALICE, BOB, DAVE, EVE]) graph.addUser(person);
  graph.addGroup(EMERGENCY, "aks-emergency-admins", [ALICE.id]);
  graph.addGroup(SENIORS, "seniors", [DAVE.id, EVE.id]);
  graph.addGroup(APPROVERS, "aks-breakglass-approvers", [BOB.id, SENIORS]);
  directory = new GraphDirectory(
    new GraphApi(fakeCredential, { endpoint: graph.url, maxRetries: 0, timeoutMs: 2_000 }),
  );
});

describe("Graph directory", () => {
  it("looks up a user with the fields it needs, sending the Graph token to a custom host", async () => {
    expect(await directory.getUser(ALICE.id)).toEqual({
      oid: ALICE.id,
      upn: "alice@contoso.com",
      displayName: "Alice",
      mail: "alice@contoso.com",
      accountEnabled: true,
    });
    expect(await directory.getUser(EVE.id)).toMatchObject({ accountEnabled: false });
    expect(await directory.getUser("00000000-0000-4000-8000-00000000dead")).toBeUndefined();
    const [request] = graph.requests;
    expect(request!.headers.authorization).toBe(bearerFor(graph));
    expect(request!.query.get("$select")).toBe("id,displayName,userPrincipalName,mail,accountEnabled");
  });

  it("checks membership transitively with checkMemberGroups, never transitiveMemberOf", async () => {
    expect(await directory.checkMemberGroups(DAVE.id, [EMERGENCY, APPROVERS])).toEqual([APPROVERS]);
    expect(await directory.checkMemberGroups(ALICE.id, [EMERGENCY, APPROVERS])).toEqual([EMERGENCY]);
    expect(await directory.checkMemberGroups("00000000-0000-4000-8000-00000000dead", [EMERGENCY])).toEqual([]);
    expect(graph.received("POST", /checkMemberGroups$/)[0]!.body).toEqual({ groupIds: [EMERGENCY, APPROVERS] });
    expect(graph.requests.some((request) => request.path.includes("transitiveMemberOf"))).toBe(false);
  });

  it("lists a group's users through nested groups, across pages", async () => {
    const users = await directory.listTransitiveUsers(APPROVERS);
    expect(users.map((found) => found.upn).sort()).toEqual(["bob@contoso.com", "dave@contoso.com", "eve@contoso.com"]);
    expect(graph.received("GET", /transitiveMembers/)).toHaveLength(2); // 3 users, pages of 2
  });

  it("reads group changes with the delta query: baseline, additions and removals, several pages", async () => {
    const baseline = await directory.membershipDelta(APPROVERS);
    expect(baseline.kind).toBe("changes");
    if (baseline.kind !== "changes") return;
    expect(baseline.changes).toEqual([
      { id: BOB.id, kind: "user", change: "added" },
      { id: SENIORS, kind: "group", change: "added" },
    ]);
    expect(graph.received("GET", "/groups/delta")[0]!.query.get("$filter")).toBe(`id eq '${APPROVERS}'`);
    expect(graph.received("GET", "/groups/delta")[0]!.query.get("$select")).toBe("members");

    graph.addMember(APPROVERS, ALICE.id);
    graph.removeMember(APPROVERS, BOB.id);
    graph.addMember(APPROVERS, EVE.id);
    const later = await directory.membershipDelta(APPROVERS, baseline.deltaLink);
    expect(later).toMatchObject({
      kind: "changes",
      changes: [
        { id: ALICE.id, kind: "user", change: "added" },
        { id: BOB.id, kind: "user", change: "removed" },
        { id: EVE.id, kind: "user", change: "added" },
      ],
    });
    if (later.kind !== "changes") return;
    expect(await directory.membershipDelta(APPROVERS, later.deltaLink)).toMatchObject({ kind: "changes", changes: [] });
  });

  it("says so when a delta token has expired, so the caller can resync", async () => {
    const baseline = await directory.membershipDelta(EMERGENCY);
    if (baseline.kind !== "changes") throw new Error("no baseline");
    graph.expiredTokens.add(new URL(baseline.deltaLink).searchParams.get("$deltatoken")!);
    expect(await directory.membershipDelta(EMERGENCY, baseline.deltaLink)).toEqual({ kind: "resync-required" });
  });

  it("turns throttling into a transient error with Graph's retry hint, and missing permissions into a clear one", async () => {
    graph.inject({
      path: /checkMemberGroups/,
      response: {
        status: 429,
        headers: { "Retry-After": "7" },
        body: { error: { code: "TooManyRequests", message: "slow down" } },
      },
    });
    const throttled = await directory.checkMemberGroups(ALICE.id, [EMERGENCY]).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(TransientError);
    expect(throttled).toMatchObject({ code: "GRAPH_429", retryAfterMs: 7_000 });
    graph.inject({
      path: /transitiveMembers/,
      response: {
        status: 403,
        body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges" } },
      },
    });
    await expect(directory.listTransitiveUsers(APPROVERS)).rejects.toMatchObject({
      code: "GRAPH_FORBIDDEN",
      message: expect.stringContaining("README"),
    });
  });

  it("gives up on a Graph that does not answer, after the timeout", async () => {
    graph.inject({ path: /\/users\//, response: { status: 200, hang: true } });
    const slow = new GraphDirectory(
      new GraphApi(fakeCredential, { endpoint: graph.url, maxRetries: 0, timeoutMs: 200 }),
    );
    await expect(slow.getUser(ALICE.id)).rejects.toMatchObject({ code: "GRAPH_TIMEOUT" });
  });
});
