// What each notification event says, one row per event; the parts that really differ between
// events are the small functions. The request's facts and links are the same for all (notifications.ts).
// Times and lengths are in words, as of when the notification is sent (the facts' `at`).
import { rotateCommand } from "./certificates.js";
import { adminCredentialsCommand, disableLocalAccountsCommand } from "./commands.js";
import { durationInWords, instantInWords, isoDurationInWords } from "./humanTime.js";
import type { Severity } from "./messages.js";
import type { Audience, NotificationEvent, NotificationFacts, NotifiedRequest } from "./notificationFacts.js";
import type { Approval } from "./request.js";

/** The facts of a notification, with the names every text uses. */
export interface NotificationContext {
  readonly facts: NotificationFacts;
  readonly request: NotifiedRequest;
  /** The cluster's name. */
  readonly cluster: string;
  /** The requester, by name and UPN. */
  readonly who: string;
  /** The UPNs of the request's approvers, or "". */
  readonly approvedBy: string;
  /** How long the requested window lasts, in words. */
  readonly duration: string;
  /** When the window closes, or "?". */
  readonly closesAt: string;
  /** An instant in words, as of when the notification is sent; "?" when there is none. */
  readonly when: (iso: string | undefined) => string;
  /** The pending or decided extension's length, new closing time and deadline in words, or "?". */
  readonly extension: { readonly duration: string; readonly closesAt: string; readonly approvalDeadline: string };
}

/** What one event says: a row of the table below. */
interface NotificationText {
  readonly severity: Severity;
  readonly audience: Audience;
  readonly subject: (context: NotificationContext) => string;
  readonly text: (context: NotificationContext) => string;
  /** Asks the approvers to decide, so the signed review link comes first. */
  readonly asksForDecision?: true;
}

/** The outcome's message as a sentence of its own (messages are written as clauses), or `fallback`. */
const outcomeOr =
  (fallback: string) =>
  ({ facts }: NotificationContext): string =>
    facts.outcome ? asSentence(facts.outcome.message) : fallback;

function asSentence(clause: string): string {
  const sentence = clause.charAt(0).toUpperCase() + clause.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** A request that ended before a window opened: nothing changed. */
function endedUnopened(ending: string, why: (context: NotificationContext) => string): NotificationText {
  return {
    severity: "info",
    audience: "requester",
    subject: ({ cluster }) => `Request for ${cluster} ${ending}`,
    text: (context) => `${why(context)} Nothing was changed on ${context.cluster}.`,
  };
}

/** An extension refused or not decided in time: the window keeps its deadline. */
function extensionRefused(ending: string): NotificationText {
  const why = outcomeOr("The extension was not approved.");
  return {
    severity: "info",
    audience: "requester",
    subject: ({ cluster }) => `Extension of the window on ${cluster} ${ending}`,
    text: (context) => `${why(context)} The window still ends at ${context.closesAt}.`,
  };
}

export const NOTIFICATION_TEXTS: { readonly [E in NotificationEvent]: NotificationText } = {
  "approval-requested": {
    severity: "warning",
    audience: "approvers",
    asksForDecision: true,
    subject: ({ who, cluster }) => `${who} requests emergency access to ${cluster}`,
    text: ({ who, cluster, request, duration, when }) =>
      `${who} asks for ${duration} of local admin access to ${cluster}.\n` +
      `Justification: ${request.justification}\nTicket: ${request.ticket}\n` +
      `${request.requiredApprovals} approval(s) needed before ${when(request.approvalDeadline)}; the requester cannot approve.`,
  },
  denied: endedUnopened("denied", outcomeOr("The request was denied.")),
  expired: endedUnopened(
    "expired without approval",
    ({ request, when }) => `No decision was made before ${when(request.approvalDeadline)}.`,
  ),
  withdrawn: endedUnopened("withdrawn", outcomeOr("The request was withdrawn.")),
  opened: {
    severity: "warning",
    audience: "requester",
    subject: ({ cluster, closesAt }) => `Local accounts ENABLED on ${cluster} until ${closesAt}`,
    text: ({ approvedBy, cluster, closesAt, request }) =>
      `Approved by ${approvedBy || "the approvers"}. Local accounts on ${cluster} are enabled until ${closesAt}.\n` +
      `Fetch admin credentials with:\n  ${adminCredentialsCommand(request)}\n` +
      "An admin kubeconfig stays valid after the window closes, until the cluster certificates are rotated.",
  },
  closed: {
    severity: "info",
    audience: "requester",
    subject: ({ facts, cluster }) =>
      facts.otherWindows
        ? `Window on ${cluster} closed; ${facts.otherWindows} other window(s) still open`
        : `Local accounts disabled again on ${cluster}`,
    text: ({ facts, cluster }) =>
      facts.otherWindows
        ? `This emergency window on ${cluster} has ended (${facts.outcome?.message ?? "closed"}). Local accounts stay enabled for ` +
          `${facts.otherWindows} other open window(s) and are disabled when the last one ends.`
        : `The emergency window on ${cluster} has ended (${facts.outcome?.message ?? "closed"}); local accounts are disabled.`,
  },
  failed: {
    severity: "warning",
    audience: "requester",
    subject: ({ cluster }) => `Emergency window on ${cluster} could not be opened`,
    text: (context) =>
      `${outcomeOr("The window could not be opened.")(context)} Local accounts on ${context.cluster} are disabled.`,
  },
  "lockdown-failed": {
    severity: "critical",
    audience: "alert",
    subject: ({ cluster }) => `CRITICAL: local accounts on ${cluster} could not be disabled`,
    text: ({ facts, cluster, request }) =>
      `Severity: CRITICAL. Disabling local accounts on ${cluster} failed ${facts.lockdown?.attempts ?? 1} time(s); ` +
      `last error: ${facts.lockdown?.lastError ?? facts.outcome?.message ?? "unknown"}.\n` +
      `Local accounts may still be enabled. Break-glass keeps trying (at least every 5 minutes); to do it by hand:\n` +
      `  ${disableLocalAccountsCommand(request.cluster)}`,
  },
  "lockdown-recovered": {
    severity: "info",
    audience: "alert",
    subject: ({ cluster }) => `Local accounts on ${cluster} are disabled again`,
    text: ({ facts, cluster }) =>
      `After ${facts.lockdown?.attempts ?? 1} attempt(s), local accounts on ${cluster} are disabled. The earlier alarm is over.`,
  },
  "extension-requested": {
    severity: "warning",
    audience: "approvers",
    asksForDecision: true,
    subject: ({ extension, who, cluster }) => `${who} asks to extend the window on ${cluster} by ${extension.duration}`,
    text: ({ extension, who, cluster, closesAt, request }) =>
      `${who} asks to keep local admin access to ${cluster} until ${extension.closesAt} instead of ${closesAt}. ` +
      `${request.requiredApprovals} approval(s) needed before ${extension.approvalDeadline}; the requester cannot approve.`,
  },
  extended: {
    severity: "warning",
    audience: "requester",
    subject: ({ cluster, closesAt }) => `Window on ${cluster} extended until ${closesAt}`,
    text: ({ facts, cluster, closesAt }) =>
      `The extension was approved by ${upns(facts.extension?.approvals) || "the approvers"}. ` +
      `Local accounts on ${cluster} stay enabled until ${closesAt}.`,
  },
  "extension-denied": extensionRefused("denied"),
  "extension-expired": extensionRefused("not approved in time"),
  "extension-failed": extensionRefused("could not be applied"),
  "certificates-rotated": {
    severity: "warning",
    audience: "requester",
    subject: ({ facts, cluster }) =>
      `Certificates of ${cluster} ${facts.certificates?.rotation?.ok === false ? "could NOT be rotated" : "rotated"}`,
    text: ({ facts, request }) => {
      const rotation = facts.certificates?.rotation;
      return (
        `${facts.certificates?.decision.reason ?? ""}.\n` +
        (rotation?.ok === false
          ? `Rotation failed: ${rotation.message}. Admin kubeconfigs stay valid until you run:\n  ${rotateCommand(request.cluster)}`
          : "Every admin kubeconfig is now invalid. Rotation recreates the nodes: expect up to ~30 minutes of disruption; fetch fresh credentials afterwards.")
      );
    },
  },
  "rotation-advised": {
    severity: "warning",
    audience: "alert",
    subject: ({ cluster }) => `Admin kubeconfigs for ${cluster} may outlive the window`,
    text: ({ facts, request }) =>
      `${facts.certificates?.decision.reason ?? ""}. Disabling local accounts does not revoke an admin kubeconfig. To revoke them, run:\n` +
      `  ${rotateCommand(request.cluster)}\n(it recreates the nodes: up to ~30 minutes of disruption).`,
  },
};

/** The UPNs of those who approved, or "". */
function upns(approvals: readonly Approval[] | undefined): string {
  return (approvals ?? []).map((approval) => approval.approver.upn).join(", ");
}

/** What the texts of `facts` need to know. */
export function contextOf(facts: NotificationFacts): NotificationContext {
  const { request, extension } = facts;
  const sentAt = new Date(facts.at);
  const when = (iso: string | undefined): string => (iso === undefined ? "?" : instantInWords(iso, sentAt));
  return {
    facts,
    request,
    cluster: request.cluster.name,
    who: `${request.requester.displayName} (${request.requester.upn})`,
    approvedBy: upns(facts.approvals),
    duration: isoDurationInWords(request.duration),
    closesAt: when(facts.window?.closesAt),
    when,
    extension: {
      duration: extension ? durationInWords(extension.durationMs) : "?",
      closesAt: when(extension?.closesAt),
      approvalDeadline: when(extension?.approvalDeadline),
    },
  };
}
