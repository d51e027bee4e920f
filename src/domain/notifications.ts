// What each notification says. Rendering is pure so that the Teams card, the email and the
// simulated outbox all carry the same facts, and tests can read them without a channel.
import type { Approval, EmergencyRequest, RequestOutcome, WindowTimes } from "./request.js";

export type NotificationEvent =
  | "approval-requested"
  | "denied"
  | "expired"
  | "withdrawn"
  | "opened"
  | "closed"
  | "failed"
  | "lockdown-failed";

/**
 * Who is mailed: the approvers, the requester, or everyone concerned plus the alert list.
 * The approvers' Teams channel hears about every event.
 */
export type Audience = "approvers" | "requester" | "alert";

export type NotifiedRequest = Pick<
  EmergencyRequest,
  "id" | "cluster" | "requester" | "justification" | "ticket" | "duration" | "requestedAt" | "approvalDeadline" | "requiredApprovals"
>;

export interface NotificationFacts {
  readonly event: NotificationEvent;
  readonly request: NotifiedRequest;
  readonly at: string;
  readonly approvals?: readonly Approval[];
  readonly window?: WindowTimes;
  readonly outcome?: RequestOutcome;
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

export function renderNotification(facts: NotificationFacts, { publicBaseUrl, reviewUrl }: NotificationLinks): RenderedNotification {
  const { request } = facts;
  const cluster = request.cluster.name;
  const who = `${request.requester.displayName} (${request.requester.upn})`;
  const requestUrl = `${publicBaseUrl}/api/requests/${request.id}`;
  const approvedBy = (facts.approvals ?? []).map((approval) => approval.approver.upn).join(", ");
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
      { name: "Approvals", value: `${facts.approvals?.length ?? 0} of ${request.requiredApprovals}${approvedBy ? `: ${approvedBy}` : ""}` },
      ...(facts.window ? [{ name: "Window", value: `${facts.window.openedAt} → ${facts.window.closesAt}` }] : []),
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
        links: [...(reviewUrl ? [{ label: "Review and decide", url: reviewUrl }] : []), ...base.links],
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
        subject: `[break-glass] Local accounts disabled again on ${cluster}`,
        text: `The emergency window on ${cluster} has ended (${facts.outcome?.message ?? "closed"}); local accounts are disabled.`,
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
          `Disabling local accounts on ${cluster} failed: ${facts.outcome?.message ?? "unknown error"}.\n` +
          `Local accounts may still be enabled. Disable them now:\n  az aks update --subscription ${request.cluster.subscriptionId} ` +
          `--resource-group ${request.cluster.resourceGroup} --name ${cluster} --disable-local-accounts`,
      };
  }
}
