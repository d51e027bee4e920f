// Teams (Workflows webhook) and email (Graph sendMail), against the fake webhook and fake Graph.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GraphApi } from "../../../src/adapters/azure/graph.js";
import { TeamsMailNotifier } from "../../../src/adapters/azure/teamsMailNotifier.js";
import type { Notification } from "../../../src/ports/notifier.js";
import { FakeGraph } from "../../support/fakes/fakeGraph.js";
import { fakeCredential, HttpsFake } from "../../support/fakes/https.js";

const SENDER = "breakglass@contoso.com";
const notification: Notification = {
  kind: "approval-requested",
  severity: "warning",
  requestId: "bg-01",
  subject: "Alice requests emergency access to aks-prod-weu",
  text: "Alice asks for PT1H. <b>not bold</b>",
  facts: [{ name: "Ticket", value: "INC-1" }],
  links: [{ label: "Review", url: "https://bg.contoso.com/api/requests/bg-01" }],
  recipients: { emails: ["bob@contoso.com", "carol@contoso.com"], teams: true },
};

let graph: FakeGraph;
let teams: HttpsFake;
let webhookUrl: string;

beforeAll(async () => {
  graph = await new FakeGraph().start();
  teams = await new HttpsFake(() => ({ status: 202 })).start();
  webhookUrl = `${teams.url}/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRET-SIGNATURE`;
});
afterAll(async () => {
  await graph.stop();
  await teams.stop();
});
beforeEach(() => {
  graph.requests.length = 0;
  teams.requests.length = 0;
  graph.users.clear();
  graph.addUser({
    id: "5e7d0000-0000-4000-8000-000000000009",
    displayName: "Break-glass",
    userPrincipalName: SENDER,
    mail: SENDER,
    accountEnabled: true,
  });
});

function notifier(settings: Partial<ConstructorParameters<typeof TeamsMailNotifier>[0]> = {}) {
  return new TeamsMailNotifier(
    { teamsWebhookUrl: webhookUrl, mailSender: SENDER, timeoutMs: 1_000, ...settings },
    new GraphApi(fakeCredential, { endpoint: graph.url, maxRetries: 0, timeoutMs: 1_000 }),
  );
}

describe("Teams and mail notifier", () => {
  it("posts an Adaptive Card to the Workflows webhook and mails the recipients through Graph", async () => {
    expect(await notifier().send(notification)).toEqual([
      { channel: "teams", ok: true },
      { channel: "email", ok: true },
    ]);
    const [post] = teams.requests;
    expect(post).toMatchObject({
      method: "POST",
      headers: expect.objectContaining({ "content-type": "application/json" }),
    });
    expect(post!.query.get("sig")).toBe("SECRET-SIGNATURE");
    expect(post!.body).toMatchObject({
      type: "message",
      attachments: [
        { contentType: "application/vnd.microsoft.card.adaptive", content: { type: "AdaptiveCard", version: "1.4" } },
      ],
    });
    const [mail] = graph.sentMail();
    expect(mail!.sender).toBe(SENDER);
    expect(mail!.message.subject).toBe(notification.subject);
    expect(mail!.message.toRecipients.map((recipient) => recipient.emailAddress.address)).toEqual([
      "bob@contoso.com",
      "carol@contoso.com",
    ]);
    expect(mail!.message.body.contentType).toBe("HTML");
    expect(mail!.message.body.content).toContain("&lt;b&gt;not bold&lt;/b&gt;");
  });

  it("sends hostile text neutralised: Markdown escaped in the card, bidi and controls named in the mail", async () => {
    const hostile: Notification = {
      ...notification,
      subject: "Alice \u202Enimda\u202C requests access",
      text: "[Approve here](https://evil.example)\u0000",
    };
    await notifier().send(hostile);
    const { attachments } = teams.requests[0]!.body as { attachments: [{ content: { body: unknown[] } }] };
    expect(attachments[0].content.body[1]).toEqual({
      type: "TextBlock",
      text: "\\[Approve here\\]\\(https\\:\\/\\/evil\\.example\\)\\[U\\+0000\\]",
      wrap: true,
    });
    const [mail] = graph.sentMail();
    expect(mail!.message.subject).toBe("Alice [U+202E]nimda[U+202C] requests access");
    expect(mail!.message.body.content).toContain("[Approve here](https://evil.example)[U+0000]");
  });

  it("reports failures without the webhook's secret, and never throws", async () => {
    teams.inject({ response: { status: 500 } });
    graph.inject({
      path: /sendMail/,
      response: { status: 503, body: { error: { code: "ServiceUnavailable", message: "down" } } },
    });
    const deliveries = await notifier().send(notification);
    expect(deliveries).toEqual([
      { channel: "teams", ok: false, error: "the webhook answered HTTP 500" },
      { channel: "email", ok: false, error: expect.stringContaining("Graph sendMail failed") },
    ]);
    expect(JSON.stringify(deliveries)).not.toContain("SECRET-SIGNATURE");
  });

  it("gives up on a webhook that does not answer, after its timeout", async () => {
    teams.inject({ response: { status: 202, hang: true } });
    const started = Date.now();
    expect(
      await notifier({ timeoutMs: 200 }).send({ ...notification, recipients: { emails: [], teams: true } }),
    ).toEqual([{ channel: "teams", ok: false, error: "the webhook could not be reached: timed out" }]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("skips a channel that is not configured", async () => {
    expect(await notifier({ teamsWebhookUrl: undefined }).send(notification)).toEqual([{ channel: "email", ok: true }]);
    expect(await notifier({ mailSender: undefined }).send(notification)).toEqual([{ channel: "teams", ok: true }]);
  });
});
