export interface Subscription {
  readonly id: string;
  /** UTC, ISO-8601. */
  readonly expiresAt: string;
}

export interface NewSubscription {
  /** For example `groups/{id}`. */
  readonly resource: string;
  readonly notificationUrl: string;
  readonly clientState: string;
  readonly expiresAt: Date;
}

/**
 * Microsoft Graph change-notification subscriptions. `not-found` when Graph no longer knows the
 * subscription (it expired or was removed): the caller creates a new one. Other failures are thrown
 * (TransientError when a retry may help).
 */
export interface GraphSubscriptions {
  create(subscription: NewSubscription): Promise<Subscription>;
  renew(id: string, expiresAt: Date): Promise<Subscription | "not-found">;
  reauthorize(id: string): Promise<"reauthorized" | "not-found">;
}
