// The simulated Teams channel and mailboxes: every notification becomes one outbox row per
// channel, which GET /api/dev/outbox shows and tests read. Rows hold the message as plain text,
// neutralised as every channel's text is (userText.ts), whichever channel they stand for.
import { randomBytes } from "node:crypto";
import { odata } from "@azure/data-tables";
import { neutralise } from "../../domain/userText.js";
import type { Delivery, Notification, Notifier } from "../../ports/notifier.js";
import type { OutboxMessage, SimulatedOutbox } from "../../ports/simulation.js";
import { queryAll, storageCall, Table, type Entity, type TableStorageSettings } from "../azure/tables.js";

const OUTBOX = "outbox";
/** The simulated approvers' channel, as it appears among recipients. */
export const TEAMS_CHANNEL = "teams:aks-breakglass-approvers";

const plain = (text: string): string => neutralise(text, "text");

export class OutboxNotifier implements Notifier, SimulatedOutbox {
  private readonly table: Table;
  private written = 0;

  constructor(
    settings: TableStorageSettings,
    private readonly now: () => Date,
  ) {
    this.table = new Table(settings, "Outbox");
  }

  async send(notification: Notification): Promise<readonly Delivery[]> {
    const channels: { channel: Delivery["channel"]; recipients: readonly string[] }[] = [];
    if (notification.recipients.teams) channels.push({ channel: "teams", recipients: [TEAMS_CHANNEL] });
    if (notification.recipients.emails.length)
      channels.push({ channel: "email", recipients: notification.recipients.emails });
    const deliveries: Delivery[] = [];
    for (const { channel, recipients } of channels) {
      try {
        await this.store(notification, channel, recipients);
        deliveries.push({ channel, ok: true });
      } catch (error) {
        deliveries.push({ channel, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return deliveries;
  }

  async list(requestId?: string): Promise<readonly OutboxMessage[]> {
    const filter = requestId
      ? odata`PartitionKey eq ${OUTBOX} and requestId eq ${requestId}`
      : odata`PartitionKey eq ${OUTBOX}`;
    const rows = await queryAll(await this.table.client(), filter, "read outbox");
    return rows.map(fromRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private async store(
    notification: Notification,
    channel: Delivery["channel"],
    recipients: readonly string[],
  ): Promise<void> {
    const client = await this.table.client();
    const at = this.now().toISOString();
    await storageCall("write outbox", () =>
      client.createEntity({
        partitionKey: OUTBOX,
        // Time, then this process's count, so rows sort in the order written even within one
        // millisecond; random last so that two processes never collide.
        rowKey: `${at}|${String(++this.written).padStart(8, "0")}|${randomBytes(4).toString("hex")}`,
        at,
        channel,
        recipients: JSON.stringify(recipients),
        kind: notification.kind,
        severity: notification.severity,
        requestId: notification.requestId ?? "",
        subject: plain(notification.subject),
        text: plain(notification.text),
        facts: JSON.stringify(notification.facts.map((fact) => ({ name: plain(fact.name), value: plain(fact.value) }))),
        links: JSON.stringify(notification.links.map((link) => ({ label: plain(link.label), url: link.url }))),
      }),
    );
  }
}

function fromRow(row: Entity): OutboxMessage {
  return {
    id: String(row.rowKey),
    at: String(row.at),
    channel: row.channel === "teams" ? "teams" : "email",
    recipients: JSON.parse(String(row.recipients)) as string[],
    kind: String(row.kind),
    severity: String(row.severity),
    requestId: typeof row.requestId === "string" && row.requestId ? row.requestId : null,
    subject: String(row.subject),
    text: String(row.text),
    facts: JSON.parse(String(row.facts)) as Notification["facts"],
    links: JSON.parse(String(row.links)) as Notification["links"],
  };
}
