// Group watch in azure mode: the real Graph client against the fake Graph — the delta query with
// its paging and expired tokens, the directory audit log, and change-notification subscriptions
// whose validation handshake the fake performs against the app's own handler.
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../../src/domain/audit.js";
import { SUBSCRIPTION_LIFETIME_MS } from "../../../src/groupWatch/subscriptions.js";
import { AZURE_GROUPS } from "../../support/azureWorld.js";
import { azureHarness, type AzureHarness } from "../../support/azureHarness.js";
import { MINUTE, T0, USERS, type Harness } from "../../support/harness.js";
import { shownByCard } from "../../support/text.js";

const CLIENT_STATE = "azure-client-state-0123456789";
const NOTIFICATION_URL = "https://breakglass.contoso.dev/api/graph/notifications";
const DAY = 24 * 60 * MINUTE;

async function harness(): Promise<AzureHarness> {
  const h = await azureHarness({ env: { BREAKGLASS_GRAPH_CLIENT_STATE: CLIENT_STATE } });
  h.azure.graph.now = () => h.clock.date();
  h.azure.graph.validate = async (url, token) => {
    expect(url).toBe(NOTIFICATION_URL);
    const reply = await h.call(h.app.graphNotifications, { method: "POST", query: { validationToken: token } });
    return reply.status === 200 ? String(reply.body) : undefined;
  };
  return h;
}

/** The group alerts Teams received (each alert is one webhook post). */
function alerts(h: AzureHarness): { kind: string; text: string }[] {
  return h.azure.teams.requests
    .map((request) => shownByCard(request.body))
    .filter((body) => body.includes("[break-glass]"))
    .map((body) => ({
      kind: /joined|left/.exec(body)?.[0] ?? (body.includes("Watching") ? "baseline" : "other"),
      text: body,
    }));
}

/** The group-watch audit streams from the harness's first day to today. */
async function groupAudit(h: Harness): Promise<readonly AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let day = new Date(T0); day <= h.clock.date(); day = new Date(day.getTime() + DAY)) {
    entries.push(...(await h.app.audit.readStream(`groups-${day.toISOString().slice(0, 10)}`)));
  }
  return entries;
}

describe("group watch through Microsoft Graph", () => {
  it("baseline, addition, removal, several changes across delta pages, an expired token: one alert and one audit entry per change", async () => {
    const h = await harness();
    h.azure.graph.pageSize = 2;
    await h.app.groupWatch.run();
    expect(alerts(h).map((alert) => alert.kind)).toEqual(["baseline", "baseline"]);
    expect(alerts(h)[1]!.text).toContain("the group platform-seniors"); // a nested group is a member too
    const delta = h.azure.graph.received("GET", "/groups/delta");
    expect(delta[0]!.query.get("$filter")).toBe(`id eq '${AZURE_GROUPS.emergency}'`);
    expect(delta[0]!.query.get("$select")).toBe("members");

    // An addition, with who made it from the directory audit log.
    h.clock.advance(5 * MINUTE);
    h.azure.graph.addMember(AZURE_GROUPS.emergency, USERS.mallory.oid);
    h.azure.graph.logMembershipChange(
      "added",
      AZURE_GROUPS.emergency,
      USERS.mallory.oid,
      { id: USERS.carol.oid, userPrincipalName: USERS.carol.upn, displayName: "Carol Both" },
      h.clock.date(),
    );
    await h.app.groupWatch.run();
    expect(alerts(h).slice(2)).toHaveLength(1);
    expect(alerts(h)[2]!.text).toContain(
      "Mallory Outsider (mallory@contoso.dev) joined aks-emergency-admins (the emergency group)",
    );
    expect(alerts(h)[2]!.text).toContain("Added by Carol Both (carol@contoso.dev)");
    const query = h.azure.graph.received("GET", "/auditLogs/directoryAudits")[0]!.query.get("$filter")!;
    expect(query).toContain("activityDisplayName eq 'Add member to group'");
    expect(query).toContain(`targetResources/any(t:t/id eq '${USERS.mallory.oid}')`);
    // The stored delta link is followed, not a new full query.
    expect(
      h.azure.graph
        .received("GET", "/groups/delta")
        .slice(-2)
        .every((request) => request.query.get("$deltatoken") !== null),
    ).toBe(true);

    // Three changes at once: more than one delta page.
    h.clock.advance(5 * MINUTE);
    h.azure.graph.removeMember(AZURE_GROUPS.emergency, USERS.alice.oid);
    h.azure.graph.addMember(AZURE_GROUPS.emergency, USERS.bob.oid);
    h.azure.graph.removeMember(AZURE_GROUPS.emergency, USERS.mallory.oid);
    const pagesBefore = h.azure.graph.received("GET", "/groups/delta").length;
    await h.app.groupWatch.run();
    expect(h.azure.graph.received("GET", "/groups/delta").length - pagesBefore).toBeGreaterThan(2); // two pages for the emergency group, one for the approvers
    expect(
      alerts(h)
        .slice(3)
        .map((alert) => alert.kind)
        .sort(),
    ).toEqual(["joined", "left", "left"]);
    expect(
      alerts(h)
        .slice(3)
        .find((alert) => alert.text.includes("Alice"))!.text,
    ).toContain("The Entra audit log does not show who did it yet");

    // The directory forgot the delta token: a full resync reports the difference against the stored members.
    h.clock.advance(5 * MINUTE);
    h.azure.graph.expireDeltaTokens();
    h.azure.graph.addMember(AZURE_GROUPS.emergency, USERS.alice.oid);
    await h.app.groupWatch.run();
    expect(
      alerts(h)
        .slice(6)
        .map((alert) => alert.kind),
    ).toEqual(["joined"]);
    expect(alerts(h)[6]!.text).toContain("by a full comparison");

    await h.app.groupWatch.run(); // nothing new: nothing twice
    expect(alerts(h)).toHaveLength(7);
    const changes = (await groupAudit(h)).filter((entry) => entry.type.startsWith("group-member"));
    expect(changes.map((entry) => `${entry.type}:${String(entry.details?.member)}`)).toEqual([
      "group-member-added:mallory@contoso.dev",
      "group-member-added:bob@contoso.dev",
      "group-member-removed:mallory@contoso.dev", // ordered by object id within a run
      "group-member-removed:alice@contoso.dev",
      "group-member-added:alice@contoso.dev",
    ]);
  });

  it("without AuditLog.Read.All the alert still goes out and says who did it is unknown", async () => {
    const h = await harness();
    await h.app.groupWatch.run();
    h.azure.graph.auditLogReadable = false;
    h.azure.graph.addMember(AZURE_GROUPS.approvers, USERS.mallory.oid);
    await h.app.groupWatch.run();
    const [added] = alerts(h).slice(2);
    expect(added!.text).toContain(
      "Mallory Outsider (mallory@contoso.dev) joined aks-breakglass-approvers (the approver group)",
    );
    expect(added!.text).toContain("the Entra audit log could not be read");
    expect(added!.text).toContain("AuditLog.Read.All");
  });
});

describe("change-notification subscriptions", () => {
  it("the timer creates a subscription per group after the validation handshake, renews it before it expires, and recreates it when Graph lost it", async () => {
    const h = await harness();
    const report = await h.app.groupWatch.run();
    expect(report.subscriptions).toEqual(["emergency:created", "approver:created"]);
    const created = [...h.azure.graph.subscriptions.values()];
    expect(created.map((subscription) => subscription.resource)).toEqual([
      `groups/${AZURE_GROUPS.emergency}`,
      `groups/${AZURE_GROUPS.approvers}`,
    ]);
    expect(created[0]).toMatchObject({
      changeType: "updated",
      notificationUrl: NOTIFICATION_URL,
      lifecycleNotificationUrl: NOTIFICATION_URL,
      clientState: CLIENT_STATE,
    });
    expect(Date.parse(created[0]!.expirationDateTime) - h.clock.now()).toBe(SUBSCRIPTION_LIFETIME_MS);

    expect((await h.app.groupWatch.run()).subscriptions).toEqual([]); // far from expiry: nothing to do
    expect(h.azure.graph.received("PATCH", /^\/v1\.0\/subscriptions\//)).toEqual([]);

    h.clock.advance(27 * DAY); // within three days of expiry
    expect((await h.app.groupWatch.run()).subscriptions).toEqual(["emergency:renewed", "approver:renewed"]);
    expect(Date.parse(h.azure.graph.subscriptions.get("sub-1")!.expirationDateTime) - h.clock.now()).toBe(
      SUBSCRIPTION_LIFETIME_MS,
    );

    h.azure.graph.subscriptions.delete("sub-2"); // Graph removed it
    h.clock.advance(27 * DAY);
    expect((await h.app.groupWatch.run()).subscriptions).toEqual(["emergency:renewed", "approver:created"]);
    expect(h.azure.graph.subscriptions.get("sub-3")!.resource).toBe(`groups/${AZURE_GROUPS.approvers}`);
    expect(
      (await groupAudit(h)).filter((entry) => entry.type === "graph-subscription").map((entry) => entry.code),
    ).toEqual(["CREATED", "CREATED", "RENEWED", "RENEWED", "RENEWED", "CREATED"]);
  });

  it("lifecycle notifications: reauthorizationRequired reauthorizes, subscriptionRemoved recreates; a change notification syncs", async () => {
    const h = await harness();
    await h.app.groupWatch.run();
    const notify = (items: Record<string, unknown>[]) =>
      h.call(h.app.graphNotifications, {
        method: "POST",
        json: { value: items.map((item) => ({ clientState: CLIENT_STATE, tenantId: "t", ...item })) },
      });

    expect((await notify([{ subscriptionId: "sub-1", lifecycleEvent: "reauthorizationRequired" }])).status).toBe(202);
    expect(h.azure.graph.subscriptions.get("sub-1")!.reauthorized).toBe(1);
    expect(h.azure.graph.subscriptions.get("sub-2")!.reauthorized).toBe(0);

    expect((await notify([{ subscriptionId: "sub-2", lifecycleEvent: "subscriptionRemoved" }])).status).toBe(202);
    expect([...h.azure.graph.subscriptions.keys()]).toEqual(["sub-1", "sub-2", "sub-3"]);

    h.azure.graph.addMember(AZURE_GROUPS.emergency, USERS.mallory.oid);
    expect(
      (await notify([{ subscriptionId: "sub-1", changeType: "updated", resource: `Groups/${AZURE_GROUPS.emergency}` }]))
        .status,
    ).toBe(202);
    expect(alerts(h).filter((alert) => alert.kind === "joined")).toHaveLength(1);
    const statuses = h.engine.instanceIds().map((id) => h.engine.getStatus(id)?.runtimeStatus);
    expect(statuses).toEqual(["Completed", "Completed", "Completed"]);

    // A lifecycle event for a subscription that is not ours changes nothing.
    expect((await notify([{ subscriptionId: "sub-unknown", lifecycleEvent: "reauthorizationRequired" }])).status).toBe(
      202,
    );
    expect([...h.azure.graph.subscriptions.values()].map((subscription) => subscription.reauthorized)).toEqual([
      1, 0, 0,
    ]);
  });
});
