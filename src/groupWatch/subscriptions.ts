// Change notifications make group watch prompt (the timer alone would find every change, later):
// each group has a Graph subscription, created, renewed before it lapses, and reauthorized or
// replaced when Graph's lifecycle notifications say so.
import type { OutcomeCode } from "../domain/codes.js";
import type { GroupWatchInput } from "../domain/groupWatch.js";
import type { WatchedGroup } from "../domain/groups.js";
import type { GraphSubscriptions, Subscription } from "../ports/graphSubscriptions.js";
import type { StateStore } from "../ports/stateStore.js";
import type { GroupAudit } from "./delivery.js";
import { errorCode, errorMessage } from "./errors.js";
import type { GroupWatchState } from "./state.js";

/** Graph keeps a group subscription at most 41,760 minutes; ask for an hour less. */
export const SUBSCRIPTION_LIFETIME_MS = (41_760 - 60) * 60_000;
/** Renew a subscription when less than this is left. */
export const SUBSCRIPTION_RENEW_BEFORE_MS = 3 * 24 * 60 * 60_000;

/** Where Graph sends change notifications, and the secret it sends with them. */
export interface SubscriptionSettings {
  readonly api: GraphSubscriptions;
  readonly notificationUrl: string;
  readonly clientState: string;
}

export interface SubscriptionDependencies {
  readonly store: StateStore<GroupWatchState>;
  readonly now: () => Date;
  readonly log: (message: string) => void;
}

type Lifecycle = NonNullable<GroupWatchInput["lifecycle"]>;

/** One thing done to a group's subscription (or the failure that stopped it), to be audited. */
interface Step {
  readonly code: OutcomeCode;
  readonly message: string;
  readonly ok: boolean;
}

export class SubscriptionKeeper {
  constructor(
    private readonly settings: SubscriptionSettings,
    private readonly deps: SubscriptionDependencies,
    private readonly audit: GroupAudit,
  ) {}

  /** Creates, renews and reauthorizes the subscription of each group; says what it did as `role:step`. */
  async maintain(groups: readonly WatchedGroup[], lifecycle: Lifecycle = []): Promise<string[]> {
    const outcomes: string[] = [];
    for (const group of groups) {
      // What happened is audited only once the subscription is saved: a failed audit must not lose track of it.
      const done = await this.maintainOne(group, lifecycle);
      outcomes.push(
        ...(done.some((step) => !step.ok)
          ? [`${group.role}:failed`]
          : done.map((step) => `${group.role}:${step.code.toLowerCase()}`)),
      );
      for (const step of done) await this.auditStep(group, step);
    }
    return outcomes;
  }

  private async maintainOne(group: WatchedGroup, lifecycle: Lifecycle): Promise<Step[]> {
    const done: Step[] = [];
    try {
      const stored = (await this.deps.store.read(group.id)).state.subscription;
      const current =
        (await this.renewIfDue(await this.afterLifecycle(stored, lifecycle, done), done)) ??
        (await this.create(group, done));
      await this.deps.store.update(group.id, (state) =>
        state.subscription?.id === current.id && state.subscription.expiresAt === current.expiresAt
          ? { result: undefined }
          : { next: { ...state, subscription: current }, result: undefined },
      );
    } catch (error) {
      // The timer still watches; notifications only make it faster.
      this.deps.log(`group watch could not maintain the subscription of ${group.id}: ${errorMessage(error)}`);
      done.push({ code: errorCode(error), message: errorMessage(error), ok: false });
    }
    return done;
  }

  /** The subscription after Graph's lifecycle notifications about it: reauthorized, or gone. */
  private async afterLifecycle(
    stored: Subscription | undefined,
    lifecycle: Lifecycle,
    done: Step[],
  ): Promise<Subscription | undefined> {
    let current = stored;
    for (const event of lifecycle.filter((candidate) => candidate.subscriptionId === stored?.id)) {
      if (event.event === "subscriptionRemoved") current = undefined;
      if (
        event.event === "reauthorizationRequired" &&
        current &&
        (await this.settings.api.reauthorize(current.id)) === "reauthorized"
      ) {
        done.push({ code: "REAUTHORIZED", message: `subscription ${current.id} reauthorized`, ok: true });
      }
    }
    return current;
  }

  /** Renews a subscription close to lapsing; undefined when Graph no longer knows it. */
  private async renewIfDue(current: Subscription | undefined, done: Step[]): Promise<Subscription | undefined> {
    const due = current && Date.parse(current.expiresAt) - this.deps.now().getTime() < SUBSCRIPTION_RENEW_BEFORE_MS;
    if (!current || !due) return current;
    const renewed = await this.settings.api.renew(current.id, this.expiresAt());
    if (renewed === "not-found") return undefined;
    done.push({ code: "RENEWED", message: `subscription ${renewed.id} renewed until ${renewed.expiresAt}`, ok: true });
    return renewed;
  }

  private async create(group: WatchedGroup, done: Step[]): Promise<Subscription> {
    const created = await this.settings.api.create({
      resource: `groups/${group.id}`,
      notificationUrl: this.settings.notificationUrl,
      clientState: this.settings.clientState,
      expiresAt: this.expiresAt(),
    });
    done.push({ code: "CREATED", message: `subscription ${created.id} created until ${created.expiresAt}`, ok: true });
    return created;
  }

  private expiresAt(): Date {
    return new Date(this.deps.now().getTime() + SUBSCRIPTION_LIFETIME_MS);
  }

  private auditStep(group: WatchedGroup, { code, message, ok }: Step): Promise<void> {
    return this.audit({
      type: "graph-subscription",
      at: this.deps.now().toISOString(),
      actor: null,
      cluster: "",
      outcome: ok ? "success" : "failure",
      code,
      message,
      details: { groupId: group.id },
    }).catch((error: unknown) =>
      this.deps.log(`group watch could not audit a subscription change: ${errorMessage(error)}`),
    );
  }
}
