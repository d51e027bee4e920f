// How long the app's own work takes against a local Azurite, through the real handlers, the
// real orchestrator (replayed by the durable engine) and the real Table Storage adapters.
// Run with `npm run bench`; numbers depend on the machine, so they live here, not in tests.
import { bench, describe } from "vitest";
import { createHarness, MINUTE, WEU, type Harness } from "../test/support/harness.js";

const BODY = { cluster: WEU, justification: "Entra outage", ticket: "INC-1", duration: "PT15M" };

async function fullWindow(h: Harness): Promise<string> {
  const created = await h.call(h.app.api.createRequest, { as: "carol", json: BODY });
  const { id } = created.body as { id: string };
  await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
  await h.engine.advanceBy(15 * MINUTE);
  if ((await h.app.requests.get(id))?.status !== "closed") throw new Error("window did not close");
  return id;
}

describe("emergency window", async () => {
  const h = await createHarness();
  const token = await h.token("alice", 24 * 3600); // outlives the windows the bench runs through

  bench(
    "POST /api/requests → 202, then withdraw it (authenticate, directory, store, workflow, x2)",
    async () => {
      const reply = await h.call(h.app.api.createRequest, {
        headers: { authorization: `Bearer ${token}` },
        json: BODY,
      });
      if (reply.status !== 202) throw new Error(`status ${reply.status}`);
      // withdraw it so that the next iteration may ask again
      await h.call(h.app.api.closeRequest, {
        as: "alice",
        params: { id: (reply.body as { id: string }).id },
        method: "POST",
      });
    },
    { iterations: 20, warmupIterations: 2 },
  );

  let lastWindow = "";
  bench(
    "a whole window: request → approve → open → deadline → locked, every step audited, chained and sealed",
    async () => {
      lastWindow = await fullWindow(h);
    },
    { iterations: 10, warmupIterations: 1 },
  );

  bench(
    "GET /api/audit/verify of a closed window (the trail, its head twice, the index and its listings, the request; every hash)",
    async () => {
      const reply = await h.call(h.app.api.verifyAudit, {
        as: "bob",
        query: { requestId: lastWindow || (await fullWindow(h)) },
      });
      if ((reply.body as { ok?: boolean }).ok !== true) throw new Error(JSON.stringify(reply.body));
    },
    { iterations: 30, warmupIterations: 3 },
  );

  bench(
    "a group-watch run with nothing changed (two delta queries, the policy check, its audit entry)",
    async () => {
      await h.app.groupWatch.run();
    },
    { iterations: 20, warmupIterations: 2 },
  );

  bench(
    "GET /api/clusters",
    async () => {
      const reply = await h.call(h.app.api.listClusters, { headers: { authorization: `Bearer ${token}` } });
      if (reply.status !== 200) throw new Error(`status ${reply.status}`);
    },
    { iterations: 50, warmupIterations: 5 },
  );
});
