// The Teams card and the email, rendered from the same facts; snapshots show exactly what
// approvers see, and fail on any change to it.
import { upstreamCode } from "../../src/domain/codes.js";
import { describe, expect, it } from "vitest";
import { parseManagedClusterId } from "../../src/domain/clusters.js";
import { adaptiveCard, emailHtml, escapeHtml, teamsWebhookMessage } from "../../src/domain/messages.js";
import { renderNotification, type NotificationFacts } from "../../src/domain/notifications.js";

const request: NotificationFacts["request"] = {
  id: "bg-01m8gshv80v200jgzv74xjm1zr",
  cluster: parseManagedClusterId(
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu",
  )!,
  requester: { oid: "a11ce000-0000-4000-8000-000000000001", upn: "alice@contoso.dev", displayName: "Alice Admin" },
  justification: "Entra ID outage: kubectl through AAD fails <script>",
  ticket: "INC-4242",
  duration: "PT1H",
  requestedAt: "2026-11-28T10:00:00.000Z",
  approvalDeadline: "2026-11-28T10:30:00.000Z",
  requiredApprovals: 1,
};
const approvalRequested = renderNotification(
  { event: "approval-requested", request, at: request.requestedAt },
  {
    publicBaseUrl: "https://breakglass.contoso.com",
    reviewUrl: "https://breakglass.contoso.com/api/requests/bg-01m8gshv80v200jgzv74xjm1zr/review?token=SIGNED",
  },
);
const lockdownFailed = renderNotification(
  {
    event: "lockdown-failed",
    request,
    at: "2026-11-28T11:05:00.000Z",
    outcome: { code: upstreamCode("RETRIES_EXHAUSTED"), message: "ARM answered 409", at: "2026-11-28T11:05:00.000Z" },
  },
  { publicBaseUrl: "https://breakglass.contoso.com" },
);

describe("Teams card", () => {
  it("for an approval request", () => {
    expect(teamsWebhookMessage(approvalRequested)).toMatchSnapshot();
  });

  it("for a failed lockdown is marked as an alert", () => {
    expect(adaptiveCard(lockdownFailed)).toMatchSnapshot();
  });
});

describe("email", () => {
  it("for an approval request", () => {
    expect(emailHtml(approvalRequested)).toMatchSnapshot();
  });

  it("for a failed lockdown", () => {
    expect(emailHtml(lockdownFailed)).toMatchSnapshot();
  });

  it("escapes everything it shows", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(emailHtml(approvalRequested)).not.toContain("<script>");
  });

  it("shows the same facts and links as the card", () => {
    const card = JSON.stringify(adaptiveCard(approvalRequested));
    const html = emailHtml(approvalRequested);
    for (const fact of approvalRequested.facts) expect(card).toContain(JSON.stringify(fact.value));
    for (const link of approvalRequested.links) {
      expect(card).toContain(link.url);
      expect(html).toContain(`href="${escapeHtml(link.url)}"`);
    }
  });
});
