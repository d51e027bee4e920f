// The whole workflow in azure mode: the real ARM, Graph, Monitor and identity code against the
// HTTPS fakes, Azurite for storage, the real orchestrator in the durable engine.
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import { SIMULATION_USERS } from "../../../src/app/simulationDefaults.js";
import { AZURE_GROUPS, MAIL_SENDER } from "../../support/azureWorld.js";
import { azureHarness } from "../../support/azureHarness.js";
import { MINUTE, NEU, USERS, WEU, type Harness } from "../../support/harness.js";
import { DEADLINE_TRAIL } from "../../support/trails.js";
import { shownByCard } from "../../support/text.js";

async function request(h: Harness, as: "alice" | "carol" | "mallory" = "alice", duration = "PT15M") {
  return h.call(h.app.api.createRequest, {
    as,
    json: { cluster: WEU, justification: "Entra outage", ticket: "INC-7", duration },
  });
}

describe("azure mode, end to end against the fakes", () => {
  it("local accounts really flip through ARM; approvers hear through Graph mail and the Teams webhook", async () => {
    const h = await azureHarness();
    const created = await request(h);
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };

    // The requester was authorized by a strongly consistent, transitive membership check.
    expect(h.azure.graph.received("POST", `/users/${USERS.alice.oid}/checkMemberGroups`)[0]!.body).toEqual({
      groupIds: [AZURE_GROUPS.emergency, AZURE_GROUPS.approvers],
    });
    // The approvers were told: mail through Graph (carol through the nested group, not alice), a card to the channel.
    const [mail] = h.azure.graph.sentMail();
    expect(mail!.sender).toBe(MAIL_SENDER);
    expect(mail!.message.toRecipients.map((recipient) => recipient.emailAddress.address).sort()).toEqual([
      "bob@contoso.dev",
      "carol@contoso.dev",
    ]);
    expect(mail!.message.body.content).toContain(`/api/requests/${id}`);
    expect(shownByCard(h.azure.teams.requests[0]!.body)).toContain("aks-prod-weu");
    expect(h.azure.teams.requests[0]!.query.get("sig")).toBe("WEBHOOK-SECRET");

    expect((await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })).status).toBe(202);
    expect(h.azure.arm.cluster(WEU).localAccountsEnabled).toBe(true);
    const [enable] = h.azure.arm.received("PUT");
    expect(enable!.headers["if-match"]).toBe('"1"');
    expect((enable!.body as { properties: { disableLocalAccounts: boolean } }).properties.disableLocalAccounts).toBe(
      false,
    );
    expect((await h.app.requests.get(id))!.status).toBe("open");

    await h.engine.advanceBy(15 * MINUTE);
    expect(h.azure.arm.cluster(WEU).localAccountsEnabled).toBe(false);
    const puts = h.azure.arm.received("PUT");
    expect(puts).toHaveLength(2);
    expect((puts[1]!.body as { properties: { disableLocalAccounts: boolean } }).properties.disableLocalAccounts).toBe(
      true,
    );
    expect(puts[1]!.headers["if-match"]).toBe(`"${h.azure.arm.cluster(WEU).etagVersion - 2}"`);
    expect(await h.app.requests.get(id)).toMatchObject({ status: "closed", outcome: { code: "WINDOW_ENDED" } });
    expect(await h.auditTypes(id)).toEqual([...DEADLINE_TRAIL]);
    // Nothing the app stored carries the webhook's signature.
    expect(JSON.stringify(await h.audit(id))).not.toContain("WEBHOOK-SECRET");
  });

  it("stores no secret: no token, signing key or webhook URL in any row of any table after a full run", async () => {
    const h = await azureHarness({
      env: { BREAKGLASS_GRAPH_CLIENT_STATE: "graph-client-state-secret-0123" },
    });
    const aliceToken = await h.token("alice");
    const bobToken = await h.token("bob");
    const created = await h.call(h.app.api.createRequest, {
      headers: { authorization: `Bearer ${aliceToken}` },
      json: { cluster: WEU, justification: "Entra outage", ticket: "INC-8", duration: "PT15M" },
    });
    const { id } = created.body as { id: string };
    await h.call(h.app.api.approveRequest, {
      headers: { authorization: `Bearer ${bobToken}` },
      params: { id },
      method: "POST",
    });
    await h.call(h.app.api.readAudit, { as: "mallory", query: { requestId: id } }); // a refusal, audited in the security stream
    await h.engine.advanceBy(15 * MINUTE);
    await h.app.groupWatch.run();
    expect((await h.call(h.app.api.verifyAudit, { as: "bob", query: { requestId: id } })).body).toMatchObject({
      ok: true,
    });

    const service = TableServiceClient.fromConnectionString(inject("azuriteConnectionString"), {
      allowInsecureConnection: true,
    });
    let stored = "";
    let tables = 0;
    for await (const table of service.listTables({
      queryOptions: { filter: `TableName ge '${h.tablePrefix}' and TableName lt '${h.tablePrefix}~'` },
    })) {
      tables++;
      const client = TableClient.fromConnectionString(inject("azuriteConnectionString"), table.name!, {
        allowInsecureConnection: true,
      });
      for await (const row of client.listEntities()) stored += JSON.stringify(row);
    }
    expect(tables).toBeGreaterThanOrEqual(4); // the audit trail, its index, the requests, the windows, ...
    expect(stored).toContain(id);
    for (const secret of [
      aliceToken,
      bobToken,
      aliceToken.split(".")[2]!,
      h.config.linkSigningKey,
      h.azure.webhookUrl,
      "WEBHOOK-SECRET",
      "graph-client-state-secret-0123",
    ]) {
      expect(stored.includes(secret), `a stored row contains ${secret.slice(0, 12)}…`).toBe(false);
    }
  });

  it("retries a disable that ARM refuses with 409 until it goes through", async () => {
    const h = await azureHarness();
    const { id } = (await request(h)).body as { id: string };
    await h.call(h.app.api.approveRequest, { as: "carol", params: { id }, method: "POST" });
    h.azure.arm.inject({
      method: "PUT",
      times: 2,
      response: { status: 409, body: { error: { code: "OperationNotAllowed", message: "another operation" } } },
    });
    await h.engine.advanceBy(15 * MINUTE);
    expect((await h.app.requests.get(id))!.status).toBe("closing");
    await h.engine.advanceBy(2 * MINUTE);
    expect((await h.app.requests.get(id))!.status).toBe("closed");
    expect(h.azure.arm.cluster(WEU).localAccountsEnabled).toBe(false);
  });

  it("refuses someone the directory puts in no group, and someone whose account is disabled", async () => {
    const h = await azureHarness();
    expect((await request(h, "mallory")).status).toBe(403);
    const carol = SIMULATION_USERS.find((user) => user.upn === "carol@contoso.dev")!;
    h.azure.graph.users.get(carol.oid)!.accountEnabled = false;
    expect(((await request(h, "carol")).body as { error: { code: string } }).error.code).toBe("ACCOUNT_DISABLED");
    expect(h.azure.arm.received("PUT")).toEqual([]);
  });

  it("answers 503, not 403, when Graph cannot be asked", async () => {
    const h = await azureHarness();
    h.azure.graph.inject({
      path: /checkMemberGroups/,
      response: { status: 503, body: { error: { code: "ServiceUnavailable", message: "down" } } },
    });
    const reply = await request(h);
    expect(reply).toMatchObject({ status: 503, body: { error: { code: "SERVICE_UNAVAILABLE" } } });
  });
});

describe("azure mode health", () => {
  it("reports each dependency as working, in one call", async () => {
    const h = await azureHarness();
    const reply = await h.call(h.app.api.health);
    expect(reply).toMatchObject({
      status: 200,
      body: {
        status: "ok",
        mode: "azure",
        checks: {
          storage: { ok: true },
          "signing-keys": { ok: true },
          clusters: { ok: true, detail: "2 readable" },
          directory: { ok: true },
          "activity-log": { ok: true },
          notifications: { ok: true, detail: "teams, email" },
        },
      },
    });
    expect(h.azure.teams.requests).toEqual([]); // checking never posts to the channel
  });

  it("names what does not work, without secrets, and does not ask Azure again within 30 seconds", async () => {
    const h = await azureHarness();
    h.azure.graph.inject({
      path: /transitiveMembers/,
      response: {
        status: 403,
        body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges" } },
      },
    });
    h.azure.arm.addCluster(NEU, { entraIntegration: false });
    const reply = await h.call(h.app.api.health);
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({
      status: "degraded",
      checks: {
        directory: { ok: false, code: "GRAPH_FORBIDDEN" },
        clusters: { ok: false, code: "ENTRA_INTEGRATION_OFF" },
        storage: { ok: true },
      },
    });
    const text = JSON.stringify(reply.body);
    for (const secret of ["WEBHOOK-SECRET", "token-for", "AccountKey", "aks-prod"]) expect(text).not.toContain(secret);
    const asked = h.azure.arm.requests.length + h.azure.graph.requests.length;
    h.clock.advance(29_000);
    await h.call(h.app.api.health);
    expect(h.azure.arm.requests.length + h.azure.graph.requests.length).toBe(asked);
    h.clock.advance(1_000);
    await h.call(h.app.api.health);
    expect(h.azure.arm.requests.length + h.azure.graph.requests.length).toBeGreaterThan(asked);
  });

  it("says when no notification channel is configured", async () => {
    const h = await azureHarness({
      env: { BREAKGLASS_TEAMS_WEBHOOK_URL: "", BREAKGLASS_MAIL_SENDER: "" },
    });
    expect((await h.call(h.app.api.health)).body).toMatchObject({
      checks: { notifications: { ok: false, code: "NO_CHANNEL" } },
    });
  });
});
