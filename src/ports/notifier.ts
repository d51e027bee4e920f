import type { MessageContent } from "../domain/notifications.js";

export interface Notification extends MessageContent {
  readonly requestId?: string;
  readonly recipients: {
    readonly emails: readonly string[];
    /** Also post to the approvers' Teams channel. */
    readonly teams: boolean;
  };
}

export interface Delivery {
  readonly channel: "teams" | "email";
  readonly ok: boolean;
  readonly error?: string;
}

/** Teams and email. Never throws for a failed delivery: it reports it, so a workflow never hangs on it. */
export interface Notifier {
  send(notification: Notification): Promise<readonly Delivery[]>;
}
