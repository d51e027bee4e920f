// The contracts between the orchestrators and their activities, and the validation of what the
// app sends them (whose shapes the workflow client port declares). Everything here crosses a
// Durable Functions boundary as JSON, so the shapes are plain data and the event payload is
// validated where it is received.
import type { RefusalCode } from "../domain/codes.js";
import { z } from "zod";
import type { AuditEntry, AuditHead } from "../domain/audit.js";
import { isActionId } from "../domain/ids.js";
import type { CertificateOutcome } from "../domain/certificates.js";
import type { ManagedCluster } from "../domain/clusters.js";
import type { OutcomeCode } from "../domain/codes.js";
import type { EvidenceSummary } from "../domain/evidence.js";
import type { CloseOutcome, OpenOutcome } from "../domain/windows.js";
import type { NotificationFacts } from "../domain/notifications.js";
import type { GroupWatchInput, GroupWatchReport } from "../domain/groupWatch.js";
import type { EmergencyRequest, Person, RequestOutcome, RequestProgress } from "../domain/request.js";
import type { AppendResult } from "../ports/auditLog.js";
import type { WatchedWindow } from "../ports/credentialWatch.js";
import type { Delivery } from "../ports/notifier.js";
import type { RecordProgressResult } from "../ports/requestStore.js";
import type { RequestAction } from "../ports/workflowClient.js";

export const WINDOW_ORCHESTRATOR = "emergencyWindowOrchestrator";

/** Runs group watch once, outside the HTTP call that asked for it (Graph wants an answer within seconds). */
export const GROUP_WATCH_ORCHESTRATOR = "groupWatchOrchestrator";

/** The one external event the orchestrator listens to; `type` says what happened. */
export const REQUEST_ACTION_EVENT = "request-action";

const person = z.object({ oid: z.string().min(1), upn: z.string(), displayName: z.string() });
const sent = {
  id: z.string().refine(isActionId, "not an action id").optional(),
  actor: person,
  at: z.iso.datetime(),
};

export const requestActionSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("approve"), ...sent }),
  z.object({ type: z.literal("deny"), ...sent, reason: z.string().max(1000).optional() }),
  z.object({ type: z.literal("close"), ...sent }),
  z.object({ type: z.literal("extend"), ...sent, duration: z.string().max(40) }),
]) satisfies z.ZodType<RequestAction>;

// The converse of the `satisfies` above: every action the port declares is one the schema parses.
type Holds<Check extends true> = Check;
type _PortActionsParse = Holds<RequestAction extends z.output<typeof requestActionSchema> ? true : false>;

export interface NotifyResult {
  readonly deliveries: readonly Delivery[];
}

export type EligibilityResult =
  { readonly eligible: true } | { readonly eligible: false; readonly code: RefusalCode; readonly message: string };

/** One query of a cluster's kube-audit log for a window's calls as cluster-admin. */
export type EvidenceAnswer =
  /** `gap`: what this answer cannot hold (kube-audit-admin alone has no gets or lists; a partial answer). */
  | { readonly kind: "found"; readonly summary: EvidenceSummary; readonly gap?: string }
  /** Asking again will not help: no kube-audit diagnostic setting, no permission, no such table. */
  | { readonly kind: "unavailable"; readonly code: OutcomeCode; readonly reason: string };

/** Activity names, inputs and outputs in one table, so a call and its handler cannot disagree. */
export interface Activities {
  appendAuditEntry: { input: AuditEntry; output: AppendResult };
  recordRequestProgress: {
    input: { requestId: string; progress: RequestProgress };
    output: RecordProgressResult["kind"];
  };
  sendNotification: { input: NotificationFacts; output: NotifyResult };
  checkRequesterEligible: { input: { requester: Person }; output: EligibilityResult };
  openWindowOnCluster: {
    input: { cluster: ManagedCluster; requestId: string; durationMs: number };
    output: OpenOutcome;
  };
  closeWindowOnCluster: { input: { cluster: ManagedCluster; requestId: string }; output: CloseOutcome };
  extendWindowOnCluster: {
    input: { cluster: ManagedCluster; requestId: string; closesAt: string };
    output: "extended" | "not-open";
  };
  applyCertificatePolicy: {
    input: { cluster: ManagedCluster; since: string; until: string };
    output: CertificateOutcome;
  };
  runGroupWatch: { input: GroupWatchInput; output: GroupWatchReport };
  closeAuditTrail: { input: { requestId: string; head: AuditHead }; output: void };
  /** Puts a closed window whose admin credentials may still work under the evidence watch. */
  watchCredentials: { input: WatchedWindow; output: void };
  /** `from`, `to`: ISO-8601, the enable and the lockdown. */
  collectEvidence: {
    input: { cluster: ManagedCluster; requestId: string; from: string; to: string };
    output: EvidenceAnswer;
  };
}

export type ActivityName = keyof Activities;

// A record rather than an array, so that the compiler insists on every activity being listed.
const ACTIVITY_NAME_SET: Readonly<Record<ActivityName, true>> = {
  appendAuditEntry: true,
  recordRequestProgress: true,
  sendNotification: true,
  checkRequesterEligible: true,
  openWindowOnCluster: true,
  closeWindowOnCluster: true,
  extendWindowOnCluster: true,
  applyCertificatePolicy: true,
  runGroupWatch: true,
  closeAuditTrail: true,
  watchCredentials: true,
  collectEvidence: true,
};

/** Every activity, for registration. */
export const ACTIVITY_NAMES = Object.keys(ACTIVITY_NAME_SET) as ActivityName[];

export type ActivityHandlers = {
  [Name in ActivityName]: (input: Activities[Name]["input"]) => Promise<Activities[Name]["output"]>;
};

/** How an orchestration ended, as returned from the orchestrator. */
export interface WindowWorkflowOutput {
  readonly status: EmergencyRequest["status"];
  readonly outcome: RequestOutcome;
}
