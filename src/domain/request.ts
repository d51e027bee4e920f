import type { OutcomeCode } from "./codes.js";
import type { ManagedCluster } from "./clusters.js";
import type { EvidencePlan } from "./evidence.js";
import type { RequestStatus } from "./lifecycle.js";

/** A person as the directory knows them. Identity is `oid`; the names are for humans. */
export interface Person {
  readonly oid: string;
  readonly upn: string;
  readonly displayName: string;
}

export interface Approval {
  readonly approver: Person;
  readonly at: string;
}

export interface WindowTimes {
  readonly openedAt: string;
  readonly closesAt: string;
  readonly closedAt?: string;
}

/** A request to keep an open window open longer; it needs approval like the window itself. */
export interface Extension {
  readonly duration: string;
  readonly durationMs: number;
  readonly requestedAt: string;
  readonly approvalDeadline: string;
  /** The window's deadline if the extension is approved. */
  readonly closesAt: string;
  readonly approvals: readonly Approval[];
  /** `failed`: approved, but the new deadline could not be registered; the window kept its own. */
  readonly status: "pending" | "approved" | "denied" | "expired" | "failed";
}

/** The outcome of a request whose workflow never started: it has no audit trail, and needs none. */
export const START_FAILED = "START_FAILED";

/** Why a request ended, or why it is stuck; `code` is stable, `message` is for humans. */
export interface RequestOutcome {
  readonly code: OutcomeCode;
  readonly message: string;
  readonly by?: Person;
  readonly at: string;
}

/** The stored state of one emergency-window request. */
export interface EmergencyRequest {
  readonly id: string;
  readonly cluster: ManagedCluster;
  readonly requester: Person;
  readonly justification: string;
  readonly ticket: string;
  /** ISO-8601, as requested (after defaulting). */
  readonly duration: string;
  readonly durationMs: number;
  /** The policy's longest window when the request was made; extensions never go past it. */
  readonly maxDurationMs: number;
  readonly requestedAt: string;
  readonly approvalDeadline: string;
  readonly requiredApprovals: number;
  readonly status: RequestStatus;
  readonly approvals: readonly Approval[];
  readonly window?: WindowTimes;
  readonly extension?: Extension;
  readonly outcome?: RequestOutcome;
  readonly updatedAt: string;
  /** The plan its workflow collects the window's evidence by (its input's); absent when it collects none. */
  readonly evidence?: EvidencePlan;
}

/** A change to a request written by the workflow; absent fields are left as they are. */
export interface RequestProgress {
  readonly status: RequestStatus;
  readonly at: string;
  readonly approvals?: readonly Approval[];
  readonly window?: WindowTimes;
  readonly extension?: Extension;
  readonly outcome?: RequestOutcome;
}

/** The JSON shape of a request in the HTTP API (docs/design.md §4). */
export function toRequestView(request: EmergencyRequest) {
  return {
    id: request.id,
    cluster: request.cluster.id,
    clusterName: request.cluster.name,
    requester: request.requester,
    justification: request.justification,
    ticket: request.ticket,
    duration: request.duration,
    requestedAt: request.requestedAt,
    approvalDeadline: request.approvalDeadline,
    requiredApprovals: request.requiredApprovals,
    status: request.status,
    approvals: request.approvals,
    window: request.window
      ? {
          openedAt: request.window.openedAt,
          closesAt: request.window.closesAt,
          closedAt: request.window.closedAt ?? null,
        }
      : null,
    extension: request.extension ?? null,
    outcome: request.outcome ?? null,
    updatedAt: request.updatedAt,
  };
}

export type RequestView = ReturnType<typeof toRequestView>;
