// The Teams card and the email, rendered from the same facts; snapshots show exactly what
// approvers see, and fail on any change to it.
import { upstreamCode } from "../../src/domain/codes.js";
import { describe, expect, it } from "vitest";
import { parseManagedClusterId } from "../../src/domain/clusters.js";
import { adaptiveCard, emailHtml, emailSubject, teamsWebhookMessage } from "../../src/domain/messages.js";
import { escapeHtml, neutralise } from "../../src/domain/userText.js";
import { hasUnescapedMarkup, INVISIBLE, shownByMarkdown } from "../support/text.js";
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
    for (const fact of approvalRequested.facts) {
      expect(card).toContain(JSON.stringify(neutralise(fact.value, "markdown")));
      expect(html).toContain(`<td>${neutralise(fact.value, "html")}</td>`);
    }
    for (const link of approvalRequested.links) {
      expect(card).toContain(link.url);
      expect(html).toContain(`href="${escapeHtml(link.url)}"`);
    }
  });
});

// What someone could type as a justification or ticket, or set as a display name in the directory.
const hostile = renderNotification(
  {
    event: "approval-requested",
    request: {
      ...request,
      requester: { ...request.requester, displayName: "Alice \u202Enimda\u202C Admin" },
      justification:
        "[Approve here](https://evil.example) ![x](https://evil.example/x.png) **URGENT**\n# Approve now\n" +
        "<b>bold</b> see https://evil.example \u2066isolated\u2069 nul\u0000 esc\u001B[31m c1\u009B zero\u200Bwidth",
      ticket: "INC-1\r\n- [ ] `done`",
    },
    at: request.requestedAt,
  },
  { publicBaseUrl: "https://breakglass.contoso.com", reviewUrl: "https://breakglass.contoso.com/review?token=SIGNED" },
);

describe("hostile text", () => {
  it("shows in the card as text: no Markdown left unescaped, no control or bidi character", () => {
    const card = adaptiveCard(hostile) as {
      body: [{ items: [{ text: string }] }, { text: string }, { facts: { title: string; value: string }[] }];
      actions: { title: string; url: string }[];
    };
    const texts = [
      card.body[0].items[0].text,
      card.body[1].text,
      ...card.body[2].facts.flatMap((fact) => [fact.title, fact.value]),
    ];
    for (const text of texts) {
      expect(hasUnescapedMarkup(text)).toBe(false);
      expect(text).not.toMatch(INVISIBLE);
    }
    // Buttons show plain text, never Markdown.
    for (const action of card.actions) expect(action.title).not.toMatch(INVISIBLE);
    const shown = shownByMarkdown(texts.join("\n"));
    expect(shown).toContain("[Approve here](https://evil.example)");
    expect(shown).toContain("Alice [U+202E]nimda[U+202C] Admin");
    expect(shown).toContain("nul[U+0000] esc[U+001B][31m c1[U+009B] zero[U+200B]width");
    // Our links stay exactly as they were.
    expect(card.actions.map((action) => action.url)).toEqual(hostile.links.map((link) => link.url));
  });

  it("shows in the email as text: no tag but ours, no control or bidi character", () => {
    const html = emailHtml(hostile);
    expect([...html.matchAll(/<a href="([^"]*)"/g)].map(([, href]) => href)).toEqual(
      hostile.links.map((link) => link.url),
    );
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt;");
    expect(html).not.toMatch(INVISIBLE);
    expect(html).toContain("Alice [U+202E]nimda[U+202C] Admin");
    expect(html).toContain("INC-1<br>- [ ] `done`");
    expect(emailSubject(hostile)).toBe(
      "[break-glass] Alice [U+202E]nimda[U+202C] Admin (alice@contoso.dev) requests emergency access to aks-prod-weu",
    );
  });
});
