// What each notification says. Rendering is pure so that the Teams card, the email and the
// simulated outbox all carry the same facts, and tests can read them without a channel.
import type { AuditEntry } from "./audit.js";
import { rotateCommand, type CertificateOutcome } from "./certificates.js";
import type { ManagedCluster } from "./clusters.js";
import type { Approval, EmergencyRequest, Extension, RequestOutcome, WindowTimes } from "./request.js";

export type NotificationEvent =
  | "approval-requested"
  | "denied"
  | "expired"
  | "withdrawn"
  | "opened"
  | "closed"
  | "failed"
  | "lockdown-failed"
  | "lockdown-recovered"
  | "extension-requested"
  | "extended"
  | "extension-denied"
  | "extension-expired"
  | "certificates-rotated"
  | "rotation-advised";

/**
 * Who is mailed: the approvers, the requester, or everyone concerned plus the alert list.
 * The approvers' Teams channel hears about every event.
 */
export type Audience = "approvers" | "requester" | "alert";

export type NotifiedRequest = Pick<
  EmergencyRequest,
  | "id"
  | "cluster"
  | "requester"
  | "justification"
  | "ticket"
  | "duration"
  | "requestedAt"
  | "approvalDeadline"
  | "requiredApprovals"
>;

export interface NotificationFacts {
  readonly event: NotificationEvent;
  readonly request: NotifiedRequest;
  readonly at: string;
  readonly approvals?: readonly Approval[];
  readonly window?: WindowTimes;
  readonly outcome?: RequestOutcome;
  readonly extension?: Extension;
  /** How the lockdown is going, for the alarm and the all-clear. */
  readonly lockdown?: { readonly attempts: number; readonly lastError: string };
  readonly certificates?: CertificateOutcome;
  /** Other windows still open on the cluster when this one closed (local accounts stay enabled). */
  readonly otherWindows?: number;
}

export type Severity = "info" | "warning" | "critical";

/** What a message says, whatever carries it (Teams card, email, the simulated outbox). */
export interface MessageContent {
  readonly kind: string;
  readonly severity: Severity;
  readonly subject: string;
  readonly text: string;
  readonly facts: readonly { readonly name: string; readonly value: string }[];
  readonly links: readonly { readonly label: string; readonly url: string }[];
}

export interface RenderedNotification extends MessageContent {
  readonly kind: NotificationEvent;
  readonly audience: Audience;
}

function approvedOf(extension: Extension | undefined): string {
  return extension?.approvals.map((approval) => approval.approver.upn).join(", ") || "the approvers";
}

/** The exact command that fetches admin credentials during a window. */
export function adminCredentialsCommand(request: Pick<NotifiedRequest, "cluster">): string {
  const { subscriptionId, resourceGroup, name } = request.cluster;
  return `az aks get-credentials --subscription ${subscriptionId} --resource-group ${resourceGroup} --name ${name} --admin`;
}

export interface NotificationLinks {
  readonly publicBaseUrl: string;
  /** The signed review link, for the approvers' message. */
  readonly reviewUrl?: string;
}

export function renderNotification(
  facts: NotificationFacts,
  { publicBaseUrl, reviewUrl }: NotificationLinks,
): RenderedNotification {
  const { request } = facts;
  const cluster = request.cluster.name;
  const who = `${request.requester.displayName} (${request.requester.upn})`;
  const requestUrl = `${publicBaseUrl}/api/requests/${request.id}`;
  const approvedBy = (facts.approvals ?? []).map((approval) => approval.approver.upn).join(", ");
  /** For approvers asked to decide: the signed review link first. */
  const withReviewLink = (links: readonly { label: string; url: string }[]) => [
    ...(reviewUrl ? [{ label: "Review and decide", url: reviewUrl }] : []),
    ...links,
  ];
  const base = {
    kind: facts.event,
    facts: [
      { name: "Request", value: request.id },
      { name: "Cluster", value: request.cluster.id },
      { name: "Requester", value: who },
      { name: "Justification", value: request.justification },
      { name: "Ticket", value: request.ticket },
      { name: "Duration", value: request.duration },
      { name: "Requested at", value: request.requestedAt },
      { name: "Approval deadline", value: request.approvalDeadline },
      {
        name: "Approvals",
        value: `${facts.approvals?.length ?? 0} of ${request.requiredApprovals}${approvedBy ? `: ${approvedBy}` : ""}`,
      },
      ...(facts.window ? [{ name: "Window", value: `${facts.window.openedAt} → ${facts.window.closesAt}` }] : []),
      ...(facts.extension
        ? [
            {
              name: "Extension",
              value: `${facts.extension.duration} (to ${facts.extension.closesAt}), ${facts.extension.status}`,
            },
          ]
        : []),
      ...(facts.outcome ? [{ name: "Outcome", value: `${facts.outcome.code}: ${facts.outcome.message}` }] : []),
    ],
    links: [{ label: "Request status (API)", url: requestUrl }],
  };
  switch (facts.event) {
    case "approval-requested":
      return {
        ...base,
        severity: "warning",
        audience: "approvers",
        subject: `[break-glass] ${who} requests emergency access to ${cluster}`,
        text:
          `${who} asks for ${request.duration} of local admin access to ${cluster}.\n` +
          `Justification: ${request.justification}\nTicket: ${request.ticket}\n` +
          `${request.requiredApprovals} approval(s) needed before ${request.approvalDeadline}; the requester cannot approve.`,
        links: withReviewLink(base.links),
      };
    case "opened":
      return {
        ...base,
        severity: "warning",
        audience: "requester",
        subject: `[break-glass] Local accounts ENABLED on ${cluster} until ${facts.window?.closesAt ?? "?"}`,
        text:
          `Approved by ${approvedBy || "the approvers"}. Local accounts on ${cluster} are enabled until ${facts.window?.closesAt ?? "?"}.\n` +
          `Fetch admin credentials with:\n  ${adminCredentialsCommand(request)}\n` +
          "An admin kubeconfig stays valid after the window closes, until the cluster certificates are rotated.",
      };
    case "closed":
      return {
        ...base,
        severity: "info",
        audience: "requester",
        subject: facts.otherWindows
          ? `[break-glass] Window on ${cluster} closed; ${facts.otherWindows} other window(s) still open`
          : `[break-glass] Local accounts disabled again on ${cluster}`,
        text: facts.otherWindows
          ? `This emergency window on ${cluster} has ended (${facts.outcome?.message ?? "closed"}). Local accounts stay enabled for ` +
            `${facts.otherWindows} other open window(s) and are disabled when the last one ends.`
          : `The emergency window on ${cluster} has ended (${facts.outcome?.message ?? "closed"}); local accounts are disabled.`,
      };
    case "denied":
      return {
        ...base,
        severity: "info",
        audience: "requester",
        subject: `[break-glass] Request for ${cluster} denied`,
        text: `${facts.outcome?.message ?? "The request was denied."} Nothing was changed on ${cluster}.`,
      };
    case "expired":
      return {
        ...base,
        severity: "info",
        audience: "requester",
        subject: `[break-glass] Request for ${cluster} expired without approval`,
        text: `No decision was made before ${request.approvalDeadline}. Nothing was changed on ${cluster}.`,
      };
    case "withdrawn":
      return {
        ...base,
        severity: "info",
        audience: "requester",
        subject: `[break-glass] Request for ${cluster} withdrawn`,
        text: `${facts.outcome?.message ?? "The request was withdrawn."} Nothing was changed on ${cluster}.`,
      };
    case "failed":
      return {
        ...base,
        severity: "warning",
        audience: "requester",
        subject: `[break-glass] Emergency window on ${cluster} could not be opened`,
        text: `${facts.outcome?.message ?? "The window could not be opened."} Local accounts on ${cluster} are disabled.`,
      };
    case "lockdown-failed":
      return {
        ...base,
        severity: "critical",
        audience: "alert",
        subject: `[break-glass] CRITICAL: local accounts on ${cluster} could not be disabled`,
        text:
          `Severity: CRITICAL. Disabling local accounts on ${cluster} failed ${facts.lockdown?.attempts ?? 1} time(s); ` +
          `last error: ${facts.lockdown?.lastError ?? facts.outcome?.message ?? "unknown"}.\n` +
          `Local accounts may still be enabled. Break-glass keeps trying (at least every 5 minutes); to do it by hand:\n` +
          `  az aks update --subscription ${request.cluster.subscriptionId} --resource-group ${request.cluster.resourceGroup} --name ${cluster} --disable-local-accounts`,
      };
    case "lockdown-recovered":
      return {
        ...base,
        severity: "info",
        audience: "alert",
        subject: `[break-glass] Local accounts on ${cluster} are disabled again`,
        text: `After ${facts.lockdown?.attempts ?? 1} attempt(s), local accounts on ${cluster} are disabled. The earlier alarm is over.`,
      };
    case "extension-requested":
      return {
        ...base,
        severity: "warning",
        audience: "approvers",
        subject: `[break-glass] ${who} asks to extend the window on ${cluster} by ${facts.extension?.duration ?? "?"}`,
        text:
          `${who} asks to keep local admin access to ${cluster} until ${facts.extension?.closesAt ?? "?"} ` +
          `(now until ${facts.window?.closesAt ?? "?"}). ${request.requiredApprovals} approval(s) needed before ${facts.extension?.approvalDeadline ?? "?"}; ` +
          "the requester cannot approve.",
        links: withReviewLink(base.links),
      };
    case "extended":
      return {
        ...base,
        severity: "warning",
        audience: "requester",
        subject: `[break-glass] Window on ${cluster} extended until ${facts.window?.closesAt ?? "?"}`,
        text: `The extension was approved by ${approvedOf(facts.extension)}. Local accounts on ${cluster} stay enabled until ${facts.window?.closesAt ?? "?"}.`,
      };
    case "extension-denied":
    case "extension-expired":
      return {
        ...base,
        severity: "info",
        audience: "requester",
        subject: `[break-glass] Extension of the window on ${cluster} ${facts.event === "extension-denied" ? "denied" : "not approved in time"}`,
        text: `${facts.outcome?.message ?? "The extension was not approved."} The window still ends at ${facts.window?.closesAt ?? "?"}.`,
      };
    case "certificates-rotated":
      return {
        ...base,
        severity: "warning",
        audience: "requester",
        subject: `[break-glass] Certificates of ${cluster} ${facts.certificates?.rotation?.ok === false ? "could NOT be rotated" : "rotated"}`,
        text:
          `${facts.certificates?.decision.reason ?? ""}.\n` +
          (facts.certificates?.rotation?.ok === false
            ? `Rotation failed: ${facts.certificates.rotation.message}. Admin kubeconfigs stay valid until you run:\n  ${rotateCommand(request.cluster)}`
            : "Every admin kubeconfig is now invalid. Rotation recreates the nodes: expect up to ~30 minutes of disruption; fetch fresh credentials afterwards."),
      };
    case "rotation-advised":
      return {
        ...base,
        severity: "warning",
        audience: "alert",
        subject: `[break-glass] Admin kubeconfigs for ${cluster} may outlive the window`,
        text:
          `${facts.certificates?.decision.reason ?? ""}. Disabling local accounts does not revoke an admin kubeconfig. To revoke them, run:\n` +
          `  ${rotateCommand(request.cluster)}\n(it recreates the nodes: up to ~30 minutes of disruption).`,
      };
  }
}

/** What the watchdog found on a cluster, outside any one workflow. */
export type ClusterAlert =
  | {
      readonly kind: "window-overdue";
      readonly cluster: ManagedCluster;
      readonly requestId: string;
      readonly closesAt: string;
      readonly reason: string;
    }
  | { readonly kind: "watchdog-locked"; readonly cluster: ManagedCluster; readonly reason: string }
  | { readonly kind: "drift"; readonly cluster: ManagedCluster }
  | { readonly kind: "lock-failed"; readonly cluster: ManagedCluster; readonly code: string; readonly message: string }
  | { readonly kind: "entra-integration-off"; readonly cluster: ManagedCluster }
  | { readonly kind: "cluster-unreadable"; readonly cluster: ManagedCluster; readonly code: string }
  | { readonly kind: "cluster-missing"; readonly cluster: ManagedCluster };

export function renderClusterAlert(alert: ClusterAlert): MessageContent {
  const { cluster } = alert;
  const disable = `az aks update --subscription ${cluster.subscriptionId} --resource-group ${cluster.resourceGroup} --name ${cluster.name} --disable-local-accounts`;
  const facts = [{ name: "Cluster", value: cluster.id }];
  const content = (
    severity: Severity,
    subject: string,
    text: string,
    more: MessageContent["facts"] = [],
  ): MessageContent => ({
    kind: `watchdog-${alert.kind}`,
    severity,
    subject: `[break-glass] ${subject}`,
    text,
    facts: [...facts, ...more],
    links: [],
  });
  switch (alert.kind) {
    case "window-overdue":
      return content(
        "critical",
        `Window on ${cluster.name} outlived its deadline`,
        `The window of request ${alert.requestId} on ${cluster.name} should have closed at ${alert.closesAt}, but ${alert.reason}. ` +
          "The watchdog removed it and locks the cluster if no other window is open.",
        [{ name: "Request", value: alert.requestId }],
      );
    case "watchdog-locked":
      return content(
        "critical",
        `Watchdog disabled local accounts on ${cluster.name}`,
        `Local accounts on ${cluster.name} were enabled ${alert.reason}. The watchdog disabled them.`,
      );
    case "drift":
      return content(
        "critical",
        `Local accounts are enabled on ${cluster.name} with no open window`,
        `Someone enabled local accounts on ${cluster.name} outside break-glass. BREAKGLASS_DRIFT_ACTION=alert, so they stay enabled. Disable them with:\n  ${disable}`,
      );
    case "lock-failed":
      return content(
        "critical",
        `Watchdog could not disable local accounts on ${cluster.name}`,
        `Severity: CRITICAL. ${alert.message} (${alert.code}). The watchdog tries again at its next run; to do it by hand:\n  ${disable}`,
      );
    case "entra-integration-off":
      return content(
        "critical",
        `${cluster.name} cannot have its local accounts disabled`,
        `${cluster.name} has no Entra ID integration (AKS-managed AAD), so ARM refuses to disable its local accounts and break-glass cannot lock it. ` +
          `Enable it: az aks update --subscription ${cluster.subscriptionId} --resource-group ${cluster.resourceGroup} --name ${cluster.name} --enable-aad`,
      );
    case "cluster-unreadable":
      return content(
        "warning",
        `Watchdog cannot read ${cluster.name}`,
        `The watchdog could not read the state of ${cluster.name} (${alert.code}); it cannot tell whether local accounts are enabled.`,
      );
    case "cluster-missing":
      return content(
        "warning",
        `Managed cluster ${cluster.name} does not exist`,
        `${cluster.id} is in BREAKGLASS_CLUSTERS but ARM does not know it.`,
      );
  }
}

/** Two different entries under one audit key: a bug, or someone writing to the audit table. */
export function renderAuditConflict(attempted: AuditEntry, existing: AuditEntry): MessageContent {
  return {
    kind: "audit-conflict",
    severity: "critical",
    subject: `[break-glass] Audit integrity: entry ${attempted.key} of ${attempted.stream} differs from the stored one`,
    text:
      `Severity: CRITICAL. The app tried to write audit entry ${attempted.key} of ${attempted.stream} (${attempted.type}), but a different entry ` +
      `(${existing.type} at ${existing.at}) is stored under that key. The stored entry was kept. Check the trail with ` +
      `GET /api/audit/verify?requestId=${attempted.stream} or npm run audit -- verify --request ${attempted.stream}.`,
    facts: [
      { name: "Stream", value: attempted.stream },
      { name: "Key", value: attempted.key },
    ],
    links: [],
  };
}
