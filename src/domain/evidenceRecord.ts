// How a window's evidence is kept in its audit trail, and read back for GET /api/requests/{id}/evidence.
// An entry's details are flat (string | number | boolean) and stored as one Table Storage
// property, which holds 64 KiB of UTF-16: the calls are kept as canonical JSON strings, one per
// key, while the details fit a budget well under that limit; the rest are counted as omitted.
import { canonicalJson, type AuditDetails, type AuditEntry } from "./audit.js";
import type { OutcomeCode } from "./codes.js";
import { EVIDENCE_ITEM_LIMIT, type AdminCall, type EvidenceStatus, type EvidenceSummary } from "./evidence.js";
import { isTerminal } from "./lifecycle.js";
import type { EmergencyRequest } from "./request.js";

/** UTF-16 code units of the details' JSON at most: 40 KB of the property's 64 KiB. */
export const EVIDENCE_DETAILS_BUDGET = 20_000;
/** Groups of calls (verb, resource, namespace) kept in `counts`; `groups` says how many there were. */
const COUNT_LIMIT = 20;

/** What the workflow found, as the audit entry and the closing notification say it. */
export interface CollectedEvidence {
  readonly summary: EvidenceSummary;
  /** Two queries in a row agreed; false when the bound came first (or a later query failed). */
  readonly settled: boolean;
  /** The span that was asked about: from this request's opening (or its enabling) to the lockdown. */
  readonly from: string;
  readonly to: string;
  /** Windows still open when this one closed: their calls in the span are counted here too. */
  readonly sharedWith?: number;
  /** What the answer cannot hold (the collection's gap), in one sentence. */
  readonly gap?: string;
  /** When local accounts were enabled for another window, before this request's span began. */
  readonly sharedSince?: string;
}

/** Why a span shared with another window cannot be attributed to this request alone. */
export const SHARED_SPAN_CAVEAT = "calls in this span cannot be told apart from another open window's";

/** The details key of the kept call number `index` (0-based): sorted keys keep them in order. */
export function evidenceCallKey(index: number): string {
  return `call${String(index + 1).padStart(2, "0")}`;
}

export const EVIDENCE_CALL_KEY = /^call\d{2}$/;

/** The details of an `evidence-collected` entry: counts, span, and as many calls as fit the budget. */
export function evidenceDetails(
  { summary, settled, from, to, sharedWith, sharedSince, gap }: CollectedEvidence,
  budget = EVIDENCE_DETAILS_BUDGET,
): AuditDetails {
  const head = (kept: number): Record<string, string | number | boolean> => ({
    entries: summary.entries,
    omitted: summary.entries - kept,
    truncated: summary.truncated,
    settled,
    from,
    to,
    groups: summary.counts.length,
    counts: canonicalJson(summary.counts.slice(0, COUNT_LIMIT)),
    ...(sharedWith === undefined ? {} : { sharedWith }),
    ...(sharedSince === undefined ? {} : { sharedSince }),
    ...(gap === undefined ? {} : { gap }),
  });
  const calls: Record<string, string> = {};
  let kept = 0;
  for (const call of summary.items.slice(0, EVIDENCE_ITEM_LIMIT)) {
    const next = { ...calls, [evidenceCallKey(kept)]: canonicalJson(call) };
    if (JSON.stringify({ ...head(kept + 1), ...next }).length > budget) break;
    Object.assign(calls, next);
    kept++;
  }
  return { ...head(kept), ...calls };
}

/** What the evidence of a request is, from the request and the evidence entries of its trail. */
export type EvidenceVerdict =
  | { readonly status: "collected"; readonly entry: AuditEntry }
  | { readonly status: Exclude<EvidenceStatus, "collected">; readonly reason?: string };

export const NOT_COLLECTED = "not collected: BREAKGLASS_EVIDENCE was off, or the request predates evidence";

/**
 * Whether a request's collection should long have ended: it is closed, and longer ago than its
 * plan's bound plus the retries of one last query (1 + 2 + 4 intervals) and one interval more.
 * A workflow that was terminated or lost mid-collection writes neither the evidence nor the end of
 * its trail, and would otherwise leave the evidence pending for ever.
 */
export function evidenceOverdue(
  request: Pick<EmergencyRequest, "status" | "window" | "outcome" | "updatedAt" | "evidence">,
  now: Date,
): boolean {
  if (!request.evidence || !isTerminal(request.status)) return false;
  const { settleWithinMs, queryEveryMs } = request.evidence;
  const closedAt = Date.parse(request.window?.closedAt ?? request.outcome?.at ?? request.updatedAt);
  return now.getTime() > closedAt + settleWithinMs + 8 * queryEveryMs;
}

/**
 * `collecting`: the request's workflow was started with an evidence plan. `trailClosed`: its
 * workflow recorded where its trail ends, which it does last: nothing more will be written.
 * `overdue`: the collection should have ended by now (evidenceOverdue).
 */
export function decideEvidenceStatus(
  request: Pick<EmergencyRequest, "status" | "window" | "outcome">,
  entries: readonly AuditEntry[],
  {
    collecting,
    trailClosed,
    overdue = false,
  }: { readonly collecting: boolean; readonly trailClosed: boolean; readonly overdue?: boolean },
): EvidenceVerdict {
  const entry = entries.findLast((candidate) => candidate.type.startsWith("evidence-"));
  if (entry?.type === "evidence-collected") return { status: "collected", entry };
  if (entry) return { status: "unavailable", reason: entry.message ?? entry.code ?? "unavailable" };
  if (isTerminal(request.status) && !request.window) {
    // An enable reported failed may have landed: its evidence is collected like a window's.
    if (request.status === "failed" && collecting && !trailClosed && !overdue) return { status: "pending" };
    const why = request.outcome ? `: ${request.outcome.message}` : "";
    return { status: "unavailable", reason: `no window was opened (the request is ${request.status}${why})` };
  }
  if (!collecting) return { status: "unavailable", reason: NOT_COLLECTED };
  if (isTerminal(request.status) && trailClosed)
    return { status: "unavailable", reason: "the workflow ended without recording the evidence it collected" };
  if (overdue)
    return {
      status: "unavailable",
      reason: "the collection did not finish: the request's workflow stopped before it recorded the evidence",
    };
  return { status: "pending" };
}

/** Why a collected entry may not be the whole story, or undefined when it is. */
export function collectedCaveat(details: AuditDetails | undefined, code: OutcomeCode | undefined): string | undefined {
  const notes = [
    details?.truncated === true ? "the log answered at its row limit: there may be more calls" : "",
    code === "EVIDENCE_UNSETTLED" || details?.settled === false
      ? "calls were still arriving in the log when collection stopped: later ones may be missing"
      : "",
    typeof details?.omitted === "number" && details.omitted > 0
      ? `${details.omitted} call(s) counted but not kept in full`
      : "",
    details?.sharedWith !== undefined || details?.sharedSince !== undefined ? SHARED_SPAN_CAVEAT : "",
    typeof details?.gap === "string" ? details.gap : "",
  ].filter(Boolean);
  return notes.length ? notes.join("; ") : undefined;
}

/** The calls kept in an entry's details, in order; a value that is not a call is skipped. */
export function keptCalls(details: AuditDetails | undefined): AdminCall[] {
  return Object.entries(details ?? {})
    .filter(([key]) => EVIDENCE_CALL_KEY.test(key))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([, value]) => {
      const call = parseCall(value);
      return call ? [call] : [];
    });
}

const CALL_TEXT_FIELDS = ["id", "at", "verb", "resource", "namespace", "name", "user", "sourceIp"] as const;

function parseCall(value: string | number | boolean): AdminCall | undefined {
  if (typeof value !== "string") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if (!CALL_TEXT_FIELDS.every((field) => typeof record[field] === "string")) return undefined;
  if (typeof record.status !== "number") return undefined;
  return record as unknown as AdminCall;
}
