// Change-notification subscriptions on Microsoft Graph (POST/PATCH /subscriptions,
// POST /subscriptions/{id}/reauthorize). Graph validates the notification URL while creating one,
// so the app must already answer it.
import type { GraphSubscriptions, NewSubscription, Subscription } from "../../ports/graphSubscriptions.js";
import { asTransient, GraphFailure, type GraphApi } from "./graph.js";

interface GraphSubscription {
  id: string;
  expirationDateTime: string;
}

export class GraphSubscriptionsClient implements GraphSubscriptions {
  constructor(private readonly graph: GraphApi) {}

  async create(subscription: NewSubscription): Promise<Subscription> {
    try {
      const created = await this.graph.post<GraphSubscription>("/subscriptions", {
        changeType: "updated",
        resource: subscription.resource,
        notificationUrl: subscription.notificationUrl,
        // Lifecycle events (reauthorizationRequired, subscriptionRemoved, missed) come to the same endpoint.
        lifecycleNotificationUrl: subscription.notificationUrl,
        clientState: subscription.clientState,
        expirationDateTime: subscription.expiresAt.toISOString(),
      });
      return { id: created.id, expiresAt: created.expirationDateTime };
    } catch (error) {
      return asTransient(error, "create a change-notification subscription");
    }
  }

  async renew(id: string, expiresAt: Date): Promise<Subscription | "not-found"> {
    try {
      const renewed = await this.graph.patch<GraphSubscription>(`/subscriptions/${encodeURIComponent(id)}`, {
        expirationDateTime: expiresAt.toISOString(),
      });
      return { id: renewed.id, expiresAt: renewed.expirationDateTime };
    } catch (error) {
      if (error instanceof GraphFailure && error.status === 404) return "not-found";
      return asTransient(error, "renew a change-notification subscription");
    }
  }

  async reauthorize(id: string): Promise<"reauthorized" | "not-found"> {
    try {
      await this.graph.post(`/subscriptions/${encodeURIComponent(id)}/reauthorize`, {});
      return "reauthorized";
    } catch (error) {
      if (error instanceof GraphFailure && error.status === 404) return "not-found";
      return asTransient(error, "reauthorize a change-notification subscription");
    }
  }
}
