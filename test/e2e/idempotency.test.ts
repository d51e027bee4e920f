// A POST whose answer is lost on the way back, retried with the same Idempotency-Key: over real
// HTTP to the built app under the offline host, the retry answers the first request, and the
// world holds one request, one orchestration and one audit trail.
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { answerLosingProxy } from "../support/answerLosingProxy.js";
import { eventually, freePort } from "../support/processes.js";
import { cleanups, CLUSTER, hostOn, ownAzurite } from "./offlineHosts.js";

const TASK_HUB = "idempotency";
const KEY = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f";

function createRequest(base: string, token: string): Promise<Response> {
  return fetch(`${base}/api/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": KEY },
    body: JSON.stringify({ cluster: CLUSTER, justification: "Entra outage", ticket: "INC-7", duration: "PT1H" }),
  });
}

describe("a retried POST after a lost answer", () => {
  it("yields one request, one orchestration, one trail", async () => {
    const azurite = await ownAzurite();
    const port = await freePort();
    const { api } = await hostOn(azurite, TASK_HUB, port);
    const alice = await api.token("alice@contoso.dev");
    const bob = await api.token("bob@contoso.dev");

    const proxy = await answerLosingProxy(port);
    cleanups.push(() => proxy.close());
    await expect(createRequest(proxy.url, alice)).rejects.toThrow();

    const retried = await createRequest(api.base, alice);
    expect(retried.status).toBe(202);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    const { id } = (await retried.json()) as { id: string };

    const listed = await api.call("GET", "/api/requests", { token: bob });
    expect((listed.body as { id: string }[]).map((request) => request.id)).toEqual([id]);

    const instances = TableClient.fromConnectionString(azurite.connectionString, `${TASK_HUB}OfflineInstances`, {
      allowInsecureConnection: true,
    });
    const instanceIds = new Set<string>();
    for await (const row of instances.listEntities()) instanceIds.add(row.partitionKey!);
    expect([...instanceIds]).toEqual([id]);

    // The workflow writes the trail on its own time: wait for its second entry.
    const trail = await eventually(async () => {
      const reply = await api.call("GET", `/api/audit?requestId=${id}`, { token: bob });
      const body = reply.body as { requestId: string; entries: { type: string }[] };
      if (!body.entries.some((entry) => entry.type === "approvers-notified")) throw new Error("not yet notified");
      return body;
    });
    expect(trail.requestId).toBe(id);
    expect(trail.entries.filter((entry) => entry.type === "requested")).toHaveLength(1);
  });
});
