// Notifications on the real channels: an Adaptive Card to the Teams Workflows webhook of the
// approvers' channel, and email through Graph sendMail from BREAKGLASS_MAIL_SENDER. A channel that
// is not configured is skipped. Each call has a timeout and a failure is reported, never thrown.
// The webhook URL carries a signature: it never appears in a message or the audit trail.
import { emailHtml, emailSubject, teamsWebhookMessage } from "../../domain/messages.js";
import type { Delivery, Notification, Notifier } from "../../ports/notifier.js";
import type { GraphApi } from "./graph.js";

export interface TeamsMailSettings {
  readonly teamsWebhookUrl: string | undefined;
  readonly mailSender: string | undefined;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class TeamsMailNotifier implements Notifier {
  constructor(
    private readonly settings: TeamsMailSettings,
    private readonly graph: GraphApi,
  ) {}

  async send(notification: Notification): Promise<readonly Delivery[]> {
    const deliveries: Promise<Delivery>[] = [];
    if (notification.recipients.teams && this.settings.teamsWebhookUrl)
      deliveries.push(this.postToTeams(notification, this.settings.teamsWebhookUrl));
    if (notification.recipients.emails.length && this.settings.mailSender)
      deliveries.push(this.sendMail(notification, this.settings.mailSender));
    return Promise.all(deliveries);
  }

  private async postToTeams(notification: Notification, url: string): Promise<Delivery> {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(teamsWebhookMessage(notification)),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      return response.ok
        ? { channel: "teams", ok: true }
        : { channel: "teams", ok: false, error: `the webhook answered HTTP ${response.status}` };
    } catch (error) {
      return { channel: "teams", ok: false, error: `the webhook could not be reached: ${failureReason(error)}` };
    }
  }

  private async sendMail(notification: Notification, sender: string): Promise<Delivery> {
    try {
      await this.graph.post(`/users/${encodeURIComponent(sender)}/sendMail`, {
        message: {
          subject: emailSubject(notification),
          importance: notification.severity === "critical" ? "high" : "normal",
          body: { contentType: "HTML", content: emailHtml(notification) },
          toRecipients: notification.recipients.emails.map((address) => ({ emailAddress: { address } })),
        },
        saveToSentItems: false,
      });
      return { channel: "email", ok: true };
    } catch (error) {
      return { channel: "email", ok: false, error: `Graph sendMail failed: ${failureReason(error)}` };
    }
  }
}

/** A failed call in a few words: a timeout as such, else its message and its network code. */
function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return `${error.name === "TimeoutError" ? "timed out" : error.message}${cause ? ` (${cause})` : ""}`;
}
