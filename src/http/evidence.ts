// GET /api/requests/{id}/evidence (its requester, or an approver): what was done with cluster-admin
// during the request's window, as its audit trail recorded it, and what the evidence watch saw
// after the window closed. Read only. Evidence read from a trail that does not verify is not
// served: the answer says the trail is broken instead.
import { readRequestTrail, type TrailSources } from "../audit/verification.js";
import type { AdminCall } from "../domain/evidence.js";
import { collectedCaveat, decideEvidenceStatus, evidenceOverdue, keptCalls } from "../domain/evidenceRecord.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { AfterWindowCalls } from "../ports/credentialWatch.js";
import type { ApiAccess, ApiDependencies } from "./apiAccess.js";
import { jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

type EvidenceDependencies = TrailSources & Pick<ApiDependencies, "credentialWatch" | "now">;

export function requestEvidenceHandler(deps: EvidenceDependencies, access: ApiAccess): HttpHandler {
  return async (request) => {
    const principal = await access.authenticate(request);
    const found = await access.visibleRequest(request.params.id ?? "", principal, () => access.member(principal));
    return jsonResponse(200, (await readEvidence(deps, found)).evidence);
  };
}

/** A request's evidence as GET …/evidence answers it, and the verdict on the trail it was read from. */
export async function readEvidence(deps: EvidenceDependencies, found: EmergencyRequest) {
  const [trail, after] = await Promise.all([
    readRequestTrail(deps, found.id, deps.now()),
    deps.credentialWatch.afterWindow(found.id),
  ]);
  return { verdict: trail.verdict, evidence: evidenceView(found, trail, after, deps.now()) };
}

export type EvidenceView = ReturnType<typeof evidenceView>;

type Trail = Awaited<ReturnType<typeof readRequestTrail>>;

/** The contract's shape (docs/design.md §4): status, reason, counts, and the calls, those after the window last. */
function evidenceView(request: EmergencyRequest, trail: Trail, after: AfterWindowCalls, now: Date) {
  const afterWindow = after.items.map((call) => itemView(call, true));
  const base = { entries: 0, afterWindow: after.entries };
  if (trail.verdict && !trail.verdict.ok) {
    return {
      status: "unavailable",
      reason: `the audit trail does not verify (entry ${trail.verdict.brokenAt}: ${trail.verdict.reason}): its evidence is not served`,
      ...base,
      items: afterWindow,
    };
  }
  const verdict = decideEvidenceStatus(request, trail.entries, {
    collecting: request.evidence !== undefined,
    trailClosed: trail.indexed?.closedHead !== undefined,
    overdue: evidenceOverdue(request, now),
  });
  if (verdict.status !== "collected")
    return {
      status: verdict.status,
      ...(verdict.reason ? { reason: verdict.reason } : {}),
      ...base,
      items: afterWindow,
    };
  const { details, code } = verdict.entry;
  const caveat = collectedCaveat(details, code);
  return {
    status: "collected",
    ...(caveat ? { reason: caveat } : {}),
    ...base,
    entries: typeof details?.entries === "number" ? details.entries : 0,
    items: [...keptCalls(details).map((call) => itemView(call, false)), ...afterWindow],
  };
}

function itemView(call: AdminCall, afterWindow: boolean) {
  const { at, verb, resource, namespace, name, user, sourceIp, status } = call;
  return { at, verb, resource, namespace, name, user, sourceIp, status, afterWindow };
}
