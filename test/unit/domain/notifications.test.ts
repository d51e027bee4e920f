import { upstreamCode } from "../../../src/domain/codes.js";
import { describe, expect, it } from "vitest";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import { adminCredentialsCommand } from "../../../src/domain/commands.js";
import { renderNotification } from "../../../src/domain/notifications.js";
import { CLUSTER_ID, person } from "../../support/domain.js";

describe("notifications", () => {
  const cluster = parseManagedClusterId(CLUSTER_ID)!;
  const request = {
    id: "bg-01",
    cluster,
    requester: person("a", "alice@contoso.dev"),
    justification: "Entra outage",
    ticket: "INC42",
    duration: "PT1H",
    requestedAt: "2026-11-28T10:00:00.000Z",
    approvalDeadline: "2026-11-28T10:30:00.000Z",
    requiredApprovals: 1,
  };

  it("gives the exact admin-credentials command", () => {
    expect(adminCredentialsCommand(request)).toBe(
      "az aks get-credentials --subscription 00000000-0000-0000-0000-000000000001 --resource-group rg-aks-prod --name aks-prod-weu --admin",
    );
  });

  it("asks the approvers with the request's facts and links", () => {
    const rendered = renderNotification(
      { event: "approval-requested", request, at: request.requestedAt },
      { publicBaseUrl: "https://bg.example", reviewUrl: "https://bg.example/api/requests/bg-01/review?token=t" },
    );
    expect(rendered).toMatchObject({ audience: "approvers", severity: "warning" });
    expect(rendered.subject).toContain("aks-prod-weu");
    expect(rendered.text).toContain("Entra outage");
    expect(rendered.facts).toContainEqual({ name: "Ticket", value: "INC42" });
    expect(rendered.links.slice(0, 2)).toEqual([
      { label: "Review and decide", url: "https://bg.example/api/requests/bg-01/review?token=t" },
      { label: "Open the console", url: "https://bg.example/api/console" },
    ]);
  });

  it("tells the requester how to get in when the window opens, and raises the alarm when lockdown fails", () => {
    const window = { openedAt: "2026-11-28T10:05:00.000Z", closesAt: "2026-11-28T11:05:00.000Z" };
    const opened = renderNotification(
      { event: "opened", request, at: window.openedAt, window },
      { publicBaseUrl: "https://bg.example", reviewUrl: "https://bg.example/api/requests/bg-01/review?token=t" },
    );
    expect(opened.text).toContain(adminCredentialsCommand(request));
    expect(opened.text).toContain("until the cluster certificates are rotated");
    const outcome = { code: upstreamCode("RETRIES_EXHAUSTED"), message: "ARM 409", at: window.closesAt };
    const alarm = renderNotification(
      { event: "lockdown-failed", request, at: window.closesAt, outcome },
      { publicBaseUrl: "https://bg.example", reviewUrl: "https://bg.example/api/requests/bg-01/review?token=t" },
    );
    expect(alarm).toMatchObject({ audience: "alert", severity: "critical" });
    expect(alarm.text).toContain("--disable-local-accounts");
  });

  it("closes with the evidence: what was done with cluster-admin, or why it is unavailable, and its link", () => {
    const window = { openedAt: "2026-11-28T10:05:00.000Z", closesAt: "2026-11-28T11:05:00.000Z" };
    const closed = (evidence: Parameters<typeof renderNotification>[0]["evidence"]) =>
      renderNotification(
        { event: "closed", request, at: window.closesAt, window, ...(evidence ? { evidence } : {}) },
        { publicBaseUrl: "https://bg.example" },
      );
    const counts = [
      { verb: "delete", resource: "pods", namespace: "kube-system", count: 3 },
      { verb: "get", resource: "secrets", namespace: "kube-system", count: 1 },
      { verb: "list", resource: "nodes", namespace: "", count: 1 },
      { verb: "patch", resource: "deployments", namespace: "default", count: 1 },
    ];
    const found = closed({ kind: "collected", summary: { entries: 6, counts, truncated: false }, settled: true });
    expect(found.facts).toContainEqual({
      name: "Evidence",
      value:
        "6 API calls as cluster-admin: 3 deletes of pods in kube-system, 1 get of secrets in kube-system, 1 list of nodes, …",
    });
    expect(found.links).toEqual([
      { label: "Open in the console", url: "https://bg.example/api/console/requests/bg-01" },
      { label: "Request status (API)", url: "https://bg.example/api/requests/bg-01" },
      { label: "Evidence (API)", url: "https://bg.example/api/requests/bg-01/evidence" },
    ]);
    const unsettled = closed({ kind: "collected", summary: { entries: 1, counts, truncated: false }, settled: false });
    expect(unsettled.facts.find((fact) => fact.name === "Evidence")?.value).toMatch(/still arriving/);
    const gap = "the cluster sends kube-audit-admin only: gets and lists (reading secrets included) are not in its log";
    const partial = closed({
      kind: "collected",
      summary: { entries: 1, counts, truncated: false },
      settled: true,
      gap,
    });
    expect(partial.facts.find((fact) => fact.name === "Evidence")?.value).toContain(`(${gap})`);
    const nothingYet = closed({
      kind: "collected",
      summary: { entries: 0, counts: [], truncated: true },
      settled: true,
    });
    expect(nothingYet.facts.find((fact) => fact.name === "Evidence")?.value).toBe("no API calls found so far");
    const none = closed({ kind: "unavailable", reason: "aks-prod-weu has no kube-audit diagnostic setting" });
    expect(none.facts).toContainEqual({
      name: "Evidence",
      value: "unavailable: aks-prod-weu has no kube-audit diagnostic setting",
    });
    const before = closed(undefined);
    expect(before.facts.map((fact) => fact.name)).not.toContain("Evidence");
    expect(before.links).toHaveLength(2);
  });
});
