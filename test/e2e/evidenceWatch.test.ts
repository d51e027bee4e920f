// End to end for the evidence watch over real HTTP: the offline host runs the watchdog timer (and
// the evidence watch after it) every two seconds against the simulated cluster in its own Azurite.
import { describe, expect, it, vi } from "vitest";
import { eventually, freePort } from "../support/processes.js";
import { CLUSTER, hostOn, ownAzurite, requestStatus } from "./offlineHosts.js";

// A real window of 10 s and the rounds after it, in real time.
vi.setConfig({ testTimeout: 90_000 });

type OutboxMessage = { kind: string; severity: string; subject: string; text: string };

describe("evidence watch end to end over HTTP", () => {
  it("an admin kubeconfig used after its window over HTTP: one critical alert naming it, then a rotation after which kubectl answers 401", async () => {
    const azurite = await ownAzurite();
    const { api: client } = await hostOn(azurite, "evidencewatch", await freePort(), {
      BREAKGLASS_WATCHDOG_SCHEDULE: "*/2 * * * * *",
      BREAKGLASS_EVIDENCE: "on",
      BREAKGLASS_ROTATE_CERTIFICATES: "when-credentials-issued",
    });
    const [alice, bob] = await Promise.all(["alice@contoso.dev", "bob@contoso.dev"].map((user) => client.token(user)));
    const created = await client.call("POST", "/api/requests", {
      token: alice,
      json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-17", duration: "PT10S" },
    });
    const { id } = created.body as { id: string };
    expect((await client.call("POST", `/api/requests/${id}/approve`, { token: bob })).status).toBe(202);
    await eventually(async () => expect(await requestStatus(client, bob!, id)).toBe("open"), 15_000);
    const fetched = await client.call("POST", "/api/dev/clusters/aks-prod-weu/admin-credentials", { token: alice });
    expect(fetched.status).toBe(200);
    // The rotation at lockdown fails, so the credential outlives the window and the cluster is watched.
    const fault = { operation: "rotate", status: 400, count: 1 };
    expect((await client.call("POST", "/api/dev/clusters/aks-prod-weu/faults", { json: fault })).status).toBe(200);
    await eventually(async () => expect(await requestStatus(client, bob!, id)).toBe("closed"), 30_000);

    const call = { verb: "delete", resource: "pods", namespace: "kube-system", name: "coredns-7d9f" };
    const kubectl = () => client.call("POST", "/api/dev/clusters/aks-prod-weu/kubectl", { token: alice, json: call });
    expect((await kubectl()).status).toBe(200);
    const alerts = async () =>
      ((await client.call("GET", "/api/dev/outbox")).body as OutboxMessage[]).filter(
        (message) => message.kind === "watchdog-credential-used-after-window",
      );
    await eventually(async () => expect((await alerts()).length).toBeGreaterThan(0), 30_000);
    const [alert] = await alerts();
    expect(alert).toMatchObject({ severity: "critical", subject: expect.stringContaining("rotate now") });
    expect(alert!.text).toContain(`the window of request ${id} closed`);
    expect(alert!.text).toContain("delete pods kube-system/coredns-7d9f");
    expect(alert!.text).toContain("az aks rotate-certs");
    await eventually(async () => expect((await kubectl()).status).toBe(401), 30_000);
    // Rounds went on meanwhile: still one alert (Teams and email).
    expect(await alerts()).toHaveLength(2);
  });
});
