// The one sentence the review page shows on where a request stands, for the person looking at it.
import { durationInWords, instantInWords, isoDurationInWords } from "../domain/humanTime.js";
import { pendingDecision } from "../domain/policy.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { Banner } from "./pages.js";

export interface Viewer {
  readonly isRequester: boolean;
  readonly alreadyApproved: boolean;
}

type Ended = "closed" | "denied" | "expired" | "failed" | "lockdown-failed";

/** An ended request's banner, from the message its workflow recorded (if any). */
const ENDED_BANNERS: Readonly<Record<Ended, (outcome: string | undefined) => Banner>> = {
  closed: (outcome) => ({ tone: "ok", text: `Closed: ${outcome ?? "local accounts are disabled again"}.` }),
  denied: (outcome) => ({ tone: "info", text: `Denied: ${outcome ?? "a reviewer denied it"}. Nothing was changed.` }),
  expired: () => ({ tone: "info", text: "Expired: nobody decided before the deadline. Nothing was changed." }),
  failed: (outcome) => ({ tone: "warning", text: `Failed: ${outcome ?? "the window could not be opened"}.` }),
  "lockdown-failed": (outcome) => ({
    tone: "critical",
    text: `Local accounts could not be disabled: ${outcome ?? "unknown error"}. Disable them by hand now.`,
  }),
};

export function statusBanner(request: EmergencyRequest, now: Date, viewer: Viewer): Banner {
  switch (request.status) {
    case "pending-approval":
      return pendingBanner(request, now, viewer);
    case "opening":
      return { tone: "warning", text: "Approved. Local accounts are being enabled." };
    case "open":
      return openBanner(request, now, viewer);
    case "closing":
      return { tone: "info", text: "The window is closing: local accounts are being disabled." };
    default:
      return ENDED_BANNERS[request.status](request.outcome?.message);
  }
}

function pendingBanner(request: EmergencyRequest, now: Date, viewer: Viewer): Banner {
  if (!pendingDecision(request, now))
    return { tone: "info", text: "The approval deadline has passed; this request can no longer be decided." };
  if (viewer.isRequester)
    return {
      tone: "info",
      text: "This is your request: a second person must approve it. You cannot decide it yourself.",
    };
  if (viewer.alreadyApproved) {
    const missing = request.requiredApprovals - request.approvals.length;
    return {
      tone: "ok",
      text: `You approved this request. Waiting for ${missing} more approval(s) before the window opens.`,
    };
  }
  return {
    tone: "warning",
    text:
      `Approving enables local admin accounts on ${request.cluster.name} for ${isoDurationInWords(request.duration)}. ` +
      `${request.approvals.length} of ${request.requiredApprovals} approval(s) so far; decide before ${instantInWords(request.approvalDeadline, now)}.`,
  };
}

function openBanner(request: EmergencyRequest, now: Date, viewer: Viewer): Banner {
  const extension = request.extension;
  const when = (iso: string): string => instantInWords(iso, now);
  if (extension?.status !== "pending" || !pendingDecision(request, now))
    return { tone: "warning", text: `Approved. Local accounts are enabled until ${when(request.window!.closesAt)}.` };
  if (viewer.isRequester)
    return {
      tone: "info",
      text: `You asked to extend the window by ${durationInWords(extension.durationMs)}; a second person must approve it.`,
    };
  if (viewer.alreadyApproved) return { tone: "ok", text: "You approved the extension. Waiting for more approvals." };
  return {
    tone: "warning",
    text:
      `Extension requested: approving keeps local admin accounts on ${request.cluster.name} enabled until ${when(extension.closesAt)} ` +
      `instead of ${when(request.window!.closesAt)}; decide before ${when(extension.approvalDeadline)}.`,
  };
}
