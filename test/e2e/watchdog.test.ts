// End to end for the watchdog over real HTTP: the offline host runs the watchdog timer every two
// seconds against the simulated clusters in its own Azurite, whose simulated Resource Graph lags
// by 5 s: an out-of-band enable is seen by the round once the inventory shows it (docs/design.md §12.2).
import { describe, expect, it } from "vitest";
import { eventually, freePort } from "../support/processes.js";
import { clusterState, hostOn, ownAzurite } from "./offlineHosts.js";

describe("watchdog end to end over HTTP", () => {
  it("the watchdog over HTTP: an out-of-band enable is relocked and alerted within the inventory's lag and a watchdog period", async () => {
    const azurite = await ownAzurite();
    const { api: client } = await hostOn(azurite, "watchdog", await freePort(), {
      BREAKGLASS_WATCHDOG_SCHEDULE: "*/2 * * * * *",
    });
    const bob = await client.token("bob@contoso.dev");
    expect(
      await client.call("POST", "/api/dev/clusters/aks-prod-weu/local-accounts", { json: { enabled: true } }),
    ).toMatchObject({ status: 200, body: { localAccounts: "enabled" } });
    // Relocked first, then the alert goes out; GET /api/clusters may show the inventory's lagging
    // "disabled" before that, so the alert is what proves the relock.
    await eventually(async () => {
      const alerts = ((await client.call("GET", "/api/dev/outbox")).body as { kind: string; text: string }[]).filter(
        (message) => message.kind === "watchdog-watchdog-locked",
      );
      expect(alerts.length).toBeGreaterThan(0);
      expect(alerts[0]!.text).toContain("drift");
    }, 20_000);
    expect((await clusterState(client, bob)).localAccounts).toBe("disabled");
  });
});
