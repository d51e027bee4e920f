// End to end for the window machinery over real HTTP: overlap and the certificate policy, each
// against its own Azurite and offline host, in real time.
import { describe, expect, it, vi } from "vitest";
import { eventually, freePort } from "../support/processes.js";
import { CLUSTER, clusterState, hostOn, ownAzurite, requestStatus } from "./offlineHosts.js";

// These run real windows of 10–20 s in real time: on a loaded two-core machine a test may take twice
// its usual time, which is no failure of the product.
vi.setConfig({ testTimeout: 60_000 });

describe.sequential("windows end to end over HTTP", () => {
  it("overlapping windows over HTTP: the first to end leaves local accounts enabled for the other", async () => {
    const azurite = await ownAzurite();
    const { api: client } = await hostOn(azurite, "overlap", await freePort());
    const alice = await client.token("alice@contoso.dev");
    const carol = await client.token("carol@contoso.dev");
    const bob = await client.token("bob@contoso.dev");
    const open = async (token: string, duration: string) => {
      const created = await client.call("POST", "/api/requests", {
        token,
        json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-3", duration },
      });
      const { id } = created.body as { id: string };
      expect((await client.call("POST", `/api/requests/${id}/approve`, { token: bob })).status).toBe(202);
      return id;
    };
    const first = await open(alice, "PT10S");
    const second = await open(carol, "PT20S");
    await eventually(async () => expect(await requestStatus(client, bob, first)).toBe("closed"), 30_000);
    expect(await clusterState(client, bob)).toEqual(
      expect.objectContaining({
        localAccounts: "enabled",
        openWindows: [expect.objectContaining({ requestId: second })],
      }),
    );
    await eventually(async () => expect((await clusterState(client, bob)).localAccounts).toBe("disabled"), 30_000);
    // The cluster is locked first, then the request says so.
    await eventually(async () => expect(await requestStatus(client, bob, second)).toBe("closed"), 10_000);
  });

  it("admin credentials fetched during a window over HTTP: the certificates are rotated when it ends", async () => {
    const azurite = await ownAzurite();
    const { api: client } = await hostOn(azurite, "certificates", await freePort());
    const [alice, bob] = await Promise.all(["alice@contoso.dev", "bob@contoso.dev"].map((user) => client.token(user)));
    expect(
      (await client.call("POST", "/api/dev/clusters/aks-prod-weu/admin-credentials", { token: alice })).status,
    ).toBe(400); // not while locked
    const created = await client.call("POST", "/api/requests", {
      token: alice,
      json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-4", duration: "PT10S" },
    });
    const { id } = created.body as { id: string };
    await client.call("POST", `/api/requests/${id}/approve`, { token: bob });
    const fetched = await client.call("POST", "/api/dev/clusters/aks-prod-weu/admin-credentials", { token: alice });
    expect(fetched).toMatchObject({ status: 200, body: { kubeconfig: expect.stringContaining("clusterAdmin") } });
    await eventually(async () => expect(await requestStatus(client, bob!, id)).toBe("closed"), 30_000);
    const kinds = ((await client.call("GET", `/api/dev/outbox?requestId=${id}`)).body as { kind: string }[]).map(
      (message) => message.kind,
    );
    expect(kinds).toContain("certificates-rotated");
    const audit = (await client.call("GET", `/api/audit?requestId=${id}`, { token: bob })).body as {
      entries: { type: string; details?: { fetches?: number } }[];
    };
    expect(audit.entries.find((entry) => entry.type === "certificates-rotated")).toMatchObject({
      details: { fetches: 1 },
    });
  });
});
