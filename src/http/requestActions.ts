// What people do with a request once it exists: approvers decide it (the two-person rule lives
// in decisions.ts), its requester or an approver closes it, its requester asks for more time.
// Each is handed to the request's workflow, which alone changes the cluster.
import { z } from "zod";
import type { Delivered } from "../actions/delivery.js";
import { requesterRefusal } from "../domain/access.js";
import { toFateView } from "../domain/actions.js";
import type { EmergencyRequest } from "../domain/request.js";
import type { RequestAction } from "../ports/workflowClient.js";
import { acceptsClose } from "../domain/lifecycle.js";
import { decideExtension, sameOid } from "../domain/policy.js";
import type { Member } from "../access/membership.js";
import type { ApiAccess, ApiDependencies } from "./apiAccess.js";
import { readJsonBody } from "./body.js";
import { lateRefusal, personOf } from "./decisions.js";
import { ApiError, jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

const approveBody = z.object({}).strict();
const denyBody = z.object({ reason: z.string().trim().max(1000).optional() }).strict();
const closeBody = z.object({}).strict();
const extendBody = z.object({ duration: z.string().trim().min(1).max(40) }).strict();

export function decideRequestHandler(type: "approve" | "deny", deps: ApiDependencies, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const principal = await access.authenticate(request);
    const body: { reason?: string } = await readJsonBody(request, type === "deny" ? denyBody : approveBody, {
      emptyAllowed: true,
    });
    const decision = type === "approve" ? { type } : { type, ...(body.reason ? { reason: body.reason } : {}) };
    const result = await deps.decisions.decide(
      principal,
      request.params.id ?? "",
      decision,
      deps.workflow(context),
      (message) => context.warn(message),
    );
    if (result.kind === "refused") throw result.error;
    return acceptedResponse(result.request, type, result.delivered);
  };
}

export function closeRequestHandler(deps: ApiDependencies, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const principal = await access.authenticate(request);
    await readJsonBody(request, closeBody, { emptyAllowed: true });
    let member: Member | undefined;
    const lookUp = async () => (member ??= await access.member(principal));
    const found = await access.visibleRequest(request, principal, lookUp);
    if (!acceptsClose(found.status))
      throw new ApiError(409, "NOT_OPEN", `request ${found.id} is ${found.status}; there is nothing to close`);
    const actor = personOf(await lookUp(), principal);
    const action = { type: "close", actor, at: deps.now().toISOString() } as const;
    return acceptedResponse(found, "close", await deps.delivery.deliver(found, action, deps.workflow(context)));
  };
}

export function extendRequestHandler(deps: ApiDependencies, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const principal = await access.authenticate(request);
    const { duration } = await readJsonBody(request, extendBody);
    const member = await access.member(principal);
    const found = await access.visibleRequest(request, principal, async () => member);
    if (!sameOid(found.requester.oid, principal.oid)) {
      return access.refuse(context, principal, "extend", found.cluster.id, {
        code: "NOT_REQUESTER",
        message: "only the requester may ask to extend a window",
      });
    }
    const notRequester = requesterRefusal(member.roles);
    if (notRequester) return access.refuse(context, principal, "extend", found.cluster.id, notRequester);
    if (found.status !== "open" || !found.window)
      throw new ApiError(
        409,
        "NOT_OPEN",
        `request ${found.id} is ${found.status}; only an open window can be extended`,
      );
    if (found.extension?.status === "pending")
      throw new ApiError(409, "EXTENSION_PENDING", "an extension of this window already awaits approval");
    const allowed = decideExtension(found.window, duration, found.maxDurationMs);
    if (!allowed.ok) throw new ApiError(400, "INVALID_DURATION", allowed.message);
    const actor = personOf(member, principal);
    const action = { type: "extend", actor, at: deps.now().toISOString(), duration: allowed.iso } as const;
    const delivered = await deps.delivery.deliver(found, action, deps.workflow(context));
    // No deadline: it is known only once approvers have approved the extension.
    return acceptedResponse(found, "extend", delivered, { duration: allowed.iso });
  };
}

/**
 * 202 for an action handed to the workflow, saying no more than is known: the action's id, and
 * whether the workflow has taken it into account yet; a 409 when it is known it will not.
 */
function acceptedResponse(
  found: Pick<EmergencyRequest, "id" | "status">,
  accepted: RequestAction["type"],
  delivered: Delivered,
  extra: object = {},
) {
  const late = lateRefusal(delivered);
  if (late) throw late;
  return jsonResponse(202, {
    id: found.id,
    accepted,
    status: found.status,
    ...extra,
    action: { id: delivered.id, ...toFateView(delivered.fate) },
  });
}
