// The orchestrator's activities. Each is idempotent, because Durable Functions may run an
// activity more than once: state is read before it is written, audit keys are chosen by the
// orchestrator, and cluster writes carry the eTag that was read. Bookkeeping activities throw
// transient failures (Durable retries them); the cluster activities return them as typed "wait"
// outcomes instead, because the orchestrator's own retry loops honour the server's retry hints.
import type { ClusterAccess } from "../windows/clusterAccess.js";
import { requesterRefusal } from "../domain/access.js";
import { applyCertificatePolicy } from "../windows/certificatePolicy.js";
import type { RotateCertificates } from "../domain/certificates.js";
import type { GroupWatch } from "../groupWatch/run.js";
import {
  renderAuditConflict,
  renderNotification,
  type Audience,
  type NotificationFacts,
} from "../domain/notifications.js";
import { collectEvidence, type EvidenceCollectionDependencies } from "../evidence/collection.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { ClusterControl } from "../ports/clusterControl.js";
import type { CredentialWatchStore } from "../ports/credentialWatch.js";
import type { Directory } from "../ports/directory.js";
import type { Delivery, Notifier } from "../ports/notifier.js";
import type { RequestStore } from "../ports/requestStore.js";
import { indexedRequestOf } from "../audit/verification.js";
import { alertRecipients, approverEmails, unique } from "../access/recipients.js";
import { lookUpMember, type GroupIds } from "../access/membership.js";
import type { ActivityHandlers } from "./contracts.js";

export interface ActivityDependencies extends EvidenceCollectionDependencies {
  readonly audit: AuditLog;
  readonly auditIndex: AuditIndex;
  readonly requests: RequestStore;
  readonly notifier: Notifier;
  readonly directory: Directory;
  readonly clusterControl: ClusterControl;
  readonly access: ClusterAccess;
  readonly activityLog: ActivityLogReader;
  readonly groups: GroupIds;
  readonly publicBaseUrl: string;
  readonly alertEmails: readonly string[];
  readonly rotateCertificates: RotateCertificates;
  /** The signed review link of a request, valid until the given deadline. */
  readonly reviewUrl: (requestId: string, approvalDeadline: string) => Promise<string>;
  readonly groupWatch: Pick<GroupWatch, "run">;
  readonly credentialWatch: Pick<CredentialWatchStore, "watch">;
}

export function createActivityHandlers(deps: ActivityDependencies): ActivityHandlers {
  return {
    async appendAuditEntry(entry) {
      const result = await deps.audit.append(entry);
      if (entry.sequence === 0 && result.kind !== "conflict") await deps.auditIndex.add(indexedRequestOf(entry));
      if (result.kind === "conflict") {
        const emails = await alertRecipients(deps.directory, deps.groups.approverGroupId, deps.alertEmails, (message) =>
          console.warn(message),
        );
        await deps.notifier.send({
          ...renderAuditConflict(entry, result.existing),
          requestId: entry.stream,
          recipients: { emails, teams: true },
        });
      }
      return result;
    },

    async closeAuditTrail({ requestId, head }) {
      // Listed again from the first entry (idempotent): the listing written with it may have failed since.
      const [first] = await deps.audit.readStream(requestId);
      if (first?.sequence === 0) await deps.auditIndex.add(indexedRequestOf(first));
      await deps.auditIndex.recordClosedHead(requestId, head);
    },

    async recordRequestProgress({ requestId, progress }) {
      return (await deps.requests.recordProgress(requestId, progress)).kind;
    },

    async sendNotification(facts) {
      const reviewDeadline = reviewDeadlineOf(facts);
      const reviewUrl = reviewDeadline ? await deps.reviewUrl(facts.request.id, reviewDeadline) : undefined;
      const { audience, ...message } = renderNotification(facts, {
        publicBaseUrl: deps.publicBaseUrl,
        ...(reviewUrl ? { reviewUrl } : {}),
      });
      let emails: readonly string[] = [];
      let unresolved: Delivery | undefined;
      try {
        emails = await recipientsFor(audience, facts, deps);
      } catch (error) {
        // Still post to the channel: someone should hear about it even when the directory is down.
        unresolved = { channel: "email", ok: false, error: `could not resolve recipients: ${String(error)}` };
      }
      const deliveries = await deps.notifier.send({
        ...message,
        requestId: facts.request.id,
        recipients: { emails, teams: true },
      });
      return { deliveries: unresolved ? [...deliveries, unresolved] : deliveries };
    },

    async checkRequesterEligible({ requester }) {
      const { roles } = await lookUpMember(deps.directory, deps.groups, requester.oid);
      const refusal = requesterRefusal(roles);
      return refusal ? { eligible: false, ...refusal } : { eligible: true };
    },

    openWindowOnCluster: ({ cluster, requestId, durationMs }) => deps.access.openWindow(cluster, requestId, durationMs),

    closeWindowOnCluster: ({ cluster, requestId }) => deps.access.closeWindow(cluster, requestId),

    extendWindowOnCluster: ({ cluster, requestId, closesAt }) => deps.access.extendWindow(cluster, requestId, closesAt),

    applyCertificatePolicy: ({ cluster, since, until }) =>
      applyCertificatePolicy(deps, cluster, new Date(since), new Date(until)),

    runGroupWatch: (input) => deps.groupWatch.run(input),

    watchCredentials: (window) => deps.credentialWatch.watch(window),

    collectEvidence: (input) => collectEvidence(deps, input),
  };
}

/** Messages that ask approvers to decide carry a review link, valid until the decision's deadline. */
function reviewDeadlineOf(facts: NotificationFacts): string | undefined {
  if (facts.event === "approval-requested") return facts.request.approvalDeadline;
  if (facts.event === "extension-requested") return facts.extension?.approvalDeadline;
  return undefined;
}

/** Mail recipients for an audience; the approvers' Teams channel hears about everything. */
async function recipientsFor(
  audience: Audience,
  facts: NotificationFacts,
  deps: ActivityDependencies,
): Promise<readonly string[]> {
  const { requester } = facts.request;
  // A requester who is also an approver is not asked to approve their own request.
  const approverMails = () => approverEmails(deps.directory, deps.groups.approverGroupId, requester.oid);
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
