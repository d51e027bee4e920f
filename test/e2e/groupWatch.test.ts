// End to end for group watch over real HTTP: the offline host runs the group-watch timer every two
// seconds against the simulated directory in its own Azurite.
import { describe, expect, it } from "vitest";
import { composeAuditStore } from "../../src/app/composition.js";
import { parseConfig } from "../../src/app/config.js";
import { eventually, freePort } from "../support/processes.js";
import { CLUSTER, hostOn, ownAzurite } from "./offlineHosts.js";

describe("group watch end to end over HTTP", () => {
  it("mallory joins the emergency group: an alert naming her within a watch period, an audit entry, and her request is accepted", async () => {
    const startedOn = new Date().toISOString().slice(0, 10);
    const azurite = await ownAzurite();
    const { api: client } = await hostOn(azurite, "groups", await freePort(), {
      BREAKGLASS_GROUP_WATCH_SCHEDULE: "*/2 * * * * *",
    });
    const outbox = async () =>
      (await client.call("GET", "/api/dev/outbox")).body as { kind: string; channel: string; text: string }[];
    await eventually(
      async () =>
        expect(
          (await outbox()).filter((message) => message.kind === "group-baseline" && message.channel === "teams"),
        ).toHaveLength(2),
      15_000,
    );

    const mallory = await client.token("mallory@contoso.dev");
    const ask = () =>
      client.call("POST", "/api/requests", {
        token: mallory,
        json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-5" },
      });
    expect((await ask()).status).toBe(403);
    const added = await client.call("POST", "/api/dev/directory/groups/aks-emergency-admins/members", {
      json: { user: "mallory@contoso.dev" },
    });
    expect(added).toMatchObject({
      status: 200,
      body: { members: ["alice@contoso.dev", "carol@contoso.dev", "mallory@contoso.dev"] },
    });

    await eventually(
      async () =>
        expect(
          (await outbox()).filter((message) => message.kind === "group-member-added" && message.channel === "teams"),
        ).toHaveLength(1),
      15_000,
    );
    const alert = (await outbox()).find((message) => message.kind === "group-member-added")!;
    expect(alert.text).toContain(
      "Mallory Outsider (mallory@contoso.dev) was added to aks-emergency-admins (the emergency group)",
    );
    const log = composeAuditStore(
      parseConfig({ BREAKGLASS_MODE: "simulation", AzureWebJobsStorage: azurite.connectionString }),
    ).audit;
    const days = [...new Set([startedOn, new Date().toISOString().slice(0, 10)])]; // a run across midnight
    const audit = (await Promise.all(days.map((day) => log.readStream(`groups-${day}`)))).flat();
    expect(audit.filter((entry) => entry.type === "group-member-added")).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ member: "mallory@contoso.dev" }) }),
    ]);
    expect((await ask()).status).toBe(202);
  });
});
