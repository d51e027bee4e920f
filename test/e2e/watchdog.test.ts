// End to end for the watchdog over real HTTP: the offline host runs the watchdog timer every two
// seconds against the simulated clusters in its own Azurite.
import { describe, expect, it } from "vitest";
import { eventually, freePort } from "../support/processes.js";
import { clusterState, hostOn, ownAzurite } from "./offlineHosts.js";

describe("watchdog end to end over HTTP", () => {
  it("the watchdog over HTTP: an out-of-band enable is relocked and alerted within a watchdog period", async () => {
    const azurite = await ownAzurite();
    const { api: client } = await hostOn(azurite, "watchdog", await freePort(), {
      BREAKGLASS_WATCHDOG_SCHEDULE: "*/2 * * * * *",
    });
    const bob = await client.token("bob@contoso.dev");
    expect(
      (await client.call("POST", "/api/dev/clusters/aks-prod-weu/local-accounts", { json: { enabled: true } })).status,
    ).toBe(200);
    expect((await clusterState(client, bob)).localAccounts).toBe("enabled");
    await eventually(async () => expect((await clusterState(client, bob)).localAccounts).toBe("disabled"), 15_000);
    // Relocked first, then the alert goes out.
    await eventually(async () => {
      const alerts = ((await client.call("GET", "/api/dev/outbox")).body as { kind: string; text: string }[]).filter(
        (message) => message.kind === "watchdog-watchdog-locked",
      );
      expect(alerts.length).toBeGreaterThan(0);
      expect(alerts[0]!.text).toContain("drift");
    }, 10_000);
  });
});
