export type NotificationSeverity = "info" | "warning" | "critical";

export interface Notification {
  readonly kind: string;
  readonly severity: NotificationSeverity;
  readonly requestId?: string;
  readonly subject: string;
  readonly text: string;
  readonly facts: readonly { readonly name: string; readonly value: string }[];
  readonly links: readonly { readonly label: string; readonly url: string }[];
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
