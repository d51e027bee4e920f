// POST /api/graph/notifications: Microsoft Graph's change and lifecycle notifications for the
// watched groups. Anyone can reach this URL, so nothing in a notification is trusted: a valid
// clientState only earns a group-watch run, which reads the directory itself. The run is started
// in the background because Graph wants an answer within seconds.
import { createHash, timingSafeEqual } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { z } from "zod";
import { securityAuditEntry } from "../domain/auditChain.js";
import { newRequestId, REQUEST_ID_RANDOM_BYTES } from "../domain/ids.js";
import type { LifecycleEvent } from "../domain/groupWatch.js";
import type { AuditLog } from "../ports/auditLog.js";
import { TransientError } from "../ports/errors.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { readJsonBody } from "./body.js";
import { API_HEADERS, ApiError } from "./errors.js";
import type { HttpHandler } from "./handler.js";

const MAX_VALIDATION_TOKEN_LENGTH = 4096;
const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = ["reauthorizationRequired", "subscriptionRemoved", "missed"];
/**
 * Refused notifications are audited at most once a minute per process, with how many there were:
 * the URL is public, and a flood of forged posts must not become a flood of audit rows.
 */
export const REFUSAL_AUDIT_INTERVAL_MS = 60_000;

const notificationsBody = z.object({
  value: z
    .array(
      z.looseObject({
        subscriptionId: z.string().min(1).max(200),
        clientState: z.string().max(1024).nullish(),
        lifecycleEvent: z.string().max(100).nullish(),
      }),
    )
    .min(1)
    .max(1000),
});

type Notification = z.infer<typeof notificationsBody>["value"][number];

export interface GraphNotificationDependencies {
  /** BREAKGLASS_GRAPH_CLIENT_STATE; without it every notification is refused. */
  readonly clientState: string | undefined;
  readonly audit: AuditLog;
  readonly workflow: (context: InvocationContext) => WorkflowClient;
  readonly now: () => Date;
  readonly randomBytes: (size: number) => Uint8Array;
  /** Runs a deferred summary of refusals later in this process (a timer that does not hold it open). */
  readonly later?: (run: () => Promise<void>, ms: number) => void;
}

/** Compares secrets in constant time (their hashes have equal length whatever the input). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function createGraphNotificationHandler(deps: GraphNotificationDependencies): HttpHandler {
  const receiver = new GraphNotificationReceiver(deps);
  return (request, context) => receiver.receive(request, context);
}

/** Receives notifications, and keeps the count of refused ones not audited yet. */
class GraphNotificationReceiver {
  private readonly later: (run: () => Promise<void>, ms: number) => void;
  private unaudited = 0;
  private lastAuditAt = Number.NEGATIVE_INFINITY;
  private flushScheduled = false;

  constructor(private readonly deps: GraphNotificationDependencies) {
    this.later = deps.later ?? ((run, ms) => void setTimeout(() => void run(), ms).unref());
  }

  async receive(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    // The handshake when a subscription is created: echo the token as plain text, at once.
    const validationToken = request.query.get("validationToken");
    if (validationToken !== null) {
      if (validationToken.length > MAX_VALIDATION_TOKEN_LENGTH)
        throw new ApiError(400, "INVALID_REQUEST", "validationToken: too long");
      return {
        status: 200,
        headers: { ...API_HEADERS, "Content-Type": "text/plain; charset=utf-8" },
        body: validationToken,
      };
    }
    // The API's limit (16 KiB) holds here too: without resource data a notification is well under a
    // kilobyte, and Graph batches only the changes of the two watched groups.
    const { value } = await readJsonBody(request, notificationsBody);
    const expected = this.deps.clientState;
    const genuine = value.filter(
      (notification) => expected !== undefined && sameSecret(notification.clientState ?? "", expected),
    );
    const refused = value.length - genuine.length;
    const now = this.deps.now();
    this.unaudited += refused;
    const subscriptionIds = value.map((notification) => notification.subscriptionId);
    if (this.unaudited && now.getTime() - this.lastAuditAt >= REFUSAL_AUDIT_INTERVAL_MS) {
      await this.auditRefusals(subscriptionIds);
    } else if (refused) {
      context.warn(
        `${refused} Graph notification(s) ignored: their clientState is not ours (audited with the next summary)`,
      );
      this.flushLater(subscriptionIds);
    }
    if (genuine.length) await this.startGroupWatch(context, now, genuine);
    // The same answer whether or not the clientState matched: the caller learns nothing.
    return { status: 202, headers: API_HEADERS };
  }

  private async startGroupWatch(context: InvocationContext, now: Date, genuine: readonly Notification[]) {
    const lifecycle = genuine.flatMap((notification) =>
      LIFECYCLE_EVENTS.includes(notification.lifecycleEvent as LifecycleEvent)
        ? [{ event: notification.lifecycleEvent as LifecycleEvent, subscriptionId: notification.subscriptionId }]
        : [],
    );
    const instanceId = `group-sync-${newRequestId(now.getTime(), this.deps.randomBytes(REQUEST_ID_RANDOM_BYTES)).slice(3)}`;
    try {
      await this.deps
        .workflow(context)
        .startGroupWatch(instanceId, { trigger: "notification", ...(lifecycle.length ? { lifecycle } : {}) });
    } catch (error) {
      // Graph retries a notification answered with 5xx: that is what we want when the task hub is down.
      throw new TransientError(
        "WORKFLOW_UNAVAILABLE",
        `could not start group watch: ${error instanceof Error ? error.message : String(error)}`,
        undefined,
        { cause: error },
      );
    }
  }

  /**
   * Audits the refusals not audited yet. They are taken before the write (so that a summary
   * written meanwhile does not count them again) and given back if it fails.
   */
  private async auditRefusals(subscriptionIds: readonly string[]): Promise<void> {
    const now = this.deps.now();
    const count = this.unaudited;
    this.unaudited = 0;
    this.lastAuditAt = now.getTime();
    try {
      await this.deps.audit.append(
        securityAuditEntry(Buffer.from(this.deps.randomBytes(8)).toString("hex"), {
          type: "graph-notification-rejected",
          at: now.toISOString(),
          actor: null,
          cluster: "",
          outcome: "refused",
          code: this.deps.clientState === undefined ? "CLIENT_STATE_NOT_CONFIGURED" : "CLIENT_STATE_MISMATCH",
          message: `${count} Graph notification(s) ignored: their clientState is not ours`,
          details: { count, subscriptionIds: [...new Set(subscriptionIds)].slice(0, 5).join(",") },
        }),
      );
    } catch (error) {
      this.unaudited += count;
      this.flushLater(subscriptionIds);
      throw error;
    }
  }

  /** The tail of a burst is audited a minute after the last summary, even if nothing else arrives. */
  private flushLater(subscriptionIds: readonly string[]): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.later(async () => {
      this.flushScheduled = false;
      if (this.unaudited)
        await this.auditRefusals(subscriptionIds).catch((error: unknown) =>
          console.warn(`refused Graph notifications not audited yet: ${String(error)}`),
        );
    }, REFUSAL_AUDIT_INTERVAL_MS);
  }
}
