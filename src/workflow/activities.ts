// The orchestrator's activities. Each is idempotent, because Durable Functions may run an
// activity more than once: state is read before it is written, audit keys are chosen by the
// orchestrator, and cluster writes carry the eTag that was read. Transient failures are
// thrown (Durable retries them); failures a retry cannot fix are returned as typed results.
import { requesterRefusal } from "../domain/access.js";
import { sameOid } from "../domain/policy.js";
import { renderNotification, type Audience, type NotificationFacts } from "../domain/notifications.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import { TransientError } from "../ports/errors.js";
import type { Directory } from "../ports/directory.js";
import type { Delivery, Notifier } from "../ports/notifier.js";
import type { RequestStore } from "../ports/requestStore.js";
import { lookUpMember, type GroupIds } from "../roles.js";
import type { ActivityHandlers, EnsureLocalAccountsResult } from "./contracts.js";

/** Provisioning states in which no operation is running on the cluster. */
const SETTLED_STATES = new Set(["Succeeded", "Failed", "Canceled"]);

export interface ActivityDependencies {
  readonly audit: AuditLog;
  readonly requests: RequestStore;
  readonly notifier: Notifier;
  readonly directory: Directory;
  readonly clusters: ClusterControl;
  readonly groups: GroupIds;
  readonly publicBaseUrl: string;
  readonly alertEmails: readonly string[];
  /** The signed review link of a request, valid until its approval deadline. */
  readonly reviewUrl: (requestId: string, approvalDeadline: string) => Promise<string>;
}

export function createActivityHandlers(deps: ActivityDependencies): ActivityHandlers {
  return {
    appendAuditEntry: (entry) => deps.audit.append(entry),

    async recordRequestProgress({ requestId, progress }) {
      return (await deps.requests.recordProgress(requestId, progress)).kind;
    },

    async sendNotification(facts) {
      const reviewUrl = facts.event === "approval-requested" ? await deps.reviewUrl(facts.request.id, facts.request.approvalDeadline) : undefined;
      const { audience, ...message } = renderNotification(facts, { publicBaseUrl: deps.publicBaseUrl, ...(reviewUrl ? { reviewUrl } : {}) });
      let emails: readonly string[] = [];
      let unresolved: Delivery | undefined;
      try {
        emails = await recipientsFor(audience, facts, deps);
      } catch (error) {
        // Still post to the channel: someone should hear about it even when the directory is down.
        unresolved = { channel: "email", ok: false, error: `could not resolve recipients: ${String(error)}` };
      }
      const deliveries = await deps.notifier.send({ ...message, requestId: facts.request.id, recipients: { emails, teams: true } });
      return { deliveries: unresolved ? [...deliveries, unresolved] : deliveries };
    },

    async checkRequesterEligible({ requester }) {
      const { roles } = await lookUpMember(deps.directory, deps.groups, requester.oid);
      const refusal = requesterRefusal(roles);
      return refusal ? { eligible: false, ...refusal } : { eligible: true };
    },

    async ensureLocalAccounts({ cluster, enabled }): Promise<EnsureLocalAccountsResult> {
      const read = await deps.clusters.read(cluster);
      if (read.kind === "not-found") return { kind: "refused", code: "CLUSTER_NOT_FOUND", message: `cluster ${cluster.id} does not exist` };
      const wanted = enabled ? "enabled" : "disabled";
      if (read.state.localAccounts === wanted) return { kind: "unchanged" };
      if (!SETTLED_STATES.has(read.state.provisioningState)) {
        // ARM refuses a PUT while another operation runs; wait for it rather than queue behind it.
        // A cluster whose last operation failed is settled: a PUT may well succeed, so try.
        throw new TransientError("CLUSTER_BUSY", `cluster is ${read.state.provisioningState}; local accounts are ${read.state.localAccounts}`);
      }
      const written = await deps.clusters.setLocalAccounts(cluster, enabled, read.state.etag);
      switch (written.kind) {
        case "written":
          return { kind: "changed" };
        case "unchanged":
          return { kind: "unchanged" };
        case "not-found":
          return { kind: "refused", code: "CLUSTER_NOT_FOUND", message: `cluster ${cluster.id} does not exist` };
        case "rejected":
          return { kind: "refused", code: written.code, message: written.message };
      }
    },
  };
}

/** Mail recipients for an audience; the approvers' Teams channel hears about everything. */
async function recipientsFor(audience: Audience, facts: NotificationFacts, deps: ActivityDependencies): Promise<readonly string[]> {
  const { requester } = facts.request;
  const approverMails = async () =>
    (await deps.directory.listTransitiveUsers(deps.groups.approverGroupId))
      // A requester who is also an approver is not asked to approve their own request.
      .filter((user) => user.accountEnabled && user.mail && !sameOid(user.oid, requester.oid))
      .map((user) => user.mail as string);
  const requesterMail = async () => (await deps.directory.getUser(requester.oid))?.mail ?? requester.upn;
  switch (audience) {
    case "approvers":
      return unique(await approverMails());
    case "requester":
      return [await requesterMail()];
    case "alert":
      return unique([await requesterMail(), ...(await approverMails()), ...deps.alertEmails]);
  }
}

function unique(emails: readonly string[]): readonly string[] {
  const seen = new Set<string>();
  return emails.filter((email) => {
    const key = email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
