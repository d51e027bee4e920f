// What the workflow tells the notifications about: which event, on which request, and how far it got.
import type { CertificateOutcome } from "./certificates.js";
import type { EvidenceSummary } from "./evidence.js";
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
  | "extension-failed"
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
  /** What was done with cluster-admin during the window, for the closing message. */
  readonly evidence?: NotifiedEvidence;
}

/** Evidence as a message tells it: the groups of calls it names (counts: the first few suffice), or why there is none. */
export type NotifiedEvidence =
  | {
      readonly kind: "collected";
      readonly summary: Pick<EvidenceSummary, "entries" | "counts" | "truncated">;
      readonly settled: boolean;
      /** Another window was open in the span: its calls cannot be told apart from this one's. */
      readonly shared?: boolean;
      /** What the answer cannot hold (kube-audit-admin alone has no gets or lists; a partial answer). */
      readonly gap?: string;
    }
  | { readonly kind: "unavailable"; readonly reason: string };
