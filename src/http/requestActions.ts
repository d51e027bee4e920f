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
import type { InvocationContext } from "@azure/functions";
import type { ApiAccess, ApiDependencies } from "./apiAccess.js";
import type { Principal } from "./authentication.js";
import { readJsonBody } from "./body.js";
import { lateRefusal, personOf } from "./decisions.js";
import { ApiError, jsonResponse } from "./errors.js";
import type { HttpHandler } from "./handler.js";

const approveBody = z.object({}).strict();
/** The fields of a denial and of an extension: JSON bodies of the API, the console's form fields. */
export const denyFields = z.object({ reason: z.string().trim().max(1000).optional() }).strict();
const closeBody = z.object({}).strict();
export const extendFields = z.object({ duration: z.string().trim().min(1).max(40) }).strict();

export function decideRequestHandler(type: "approve" | "deny", deps: ApiDependencies, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const principal = await access.authenticate(request);
    const body: { reason?: string } = await readJsonBody(request, type === "deny" ? denyFields : approveBody, {
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

/** An action the workflow was handed (and is not known to have refused). */
export interface Handed {
  readonly request: EmergencyRequest;
  readonly delivered: Delivered;
}

/**
 * Closing and extending, whichever way they were asked (the API, the console's forms): the same
 * checks and the same refusals, thrown as ApiError (a retry cannot mend them).
 */
export class RequestActions {
  constructor(
    private readonly deps: ApiDependencies,
    private readonly access: ApiAccess,
  ) {}

  /** Its requester or an approver withdraws a pending request or ends its window now. */
  async close(principal: Principal, id: string, context: InvocationContext): Promise<Handed> {
    let member: Member | undefined;
    const lookUp = async () => (member ??= await this.access.member(principal));
    const found = await this.access.visibleRequest(id, principal, lookUp);
    if (!acceptsClose(found.status))
      throw new ApiError(409, "NOT_OPEN", `request ${found.id} is ${found.status}; there is nothing to close`);
    const actor = personOf(await lookUp(), principal);
    const action = { type: "close", actor, at: this.deps.now().toISOString() } as const;
    return this.hand(found, action, context);
  }

  /** Its requester asks for `duration` (ISO-8601) more of an open window; approvers decide it. */
  async extend(
    principal: Principal,
    id: string,
    duration: string,
    context: InvocationContext,
  ): Promise<Handed & { readonly duration: string }> {
    const { access } = this;
    const member = await access.member(principal);
    const found = await access.visibleRequest(id, principal, async () => member);
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
    const action = { type: "extend", actor, at: this.deps.now().toISOString(), duration: allowed.iso } as const;
    return { ...(await this.hand(found, action, context)), duration: allowed.iso };
  }

  private async hand(found: EmergencyRequest, action: RequestAction, context: InvocationContext): Promise<Handed> {
    const delivered = await this.deps.delivery.deliver(found, action, this.deps.workflow(context));
    const late = lateRefusal(delivered);
    if (late) throw late;
    return { request: found, delivered };
  }
}

export function closeRequestHandler(actions: RequestActions, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const principal = await access.authenticate(request);
    await readJsonBody(request, closeBody, { emptyAllowed: true });
    const { request: found, delivered } = await actions.close(principal, request.params.id ?? "", context);
    return acceptedResponse(found, "close", delivered);
  };
}

export function extendRequestHandler(actions: RequestActions, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const principal = await access.authenticate(request);
    const { duration } = await readJsonBody(request, extendFields);
    const handed = await actions.extend(principal, request.params.id ?? "", duration, context);
    // No deadline: it is known only once approvers have approved the extension.
    return acceptedResponse(handed.request, "extend", handed.delivered, { duration: handed.duration });
  };
}

/**
 * 202 for an action handed to the workflow, saying no more than is known: the action's id, and
 * whether the workflow has taken it into account yet (a 409 when it is known it will not is thrown
 * before: lateRefusal).
 */
function acceptedResponse(
  found: Pick<EmergencyRequest, "id" | "status">,
  accepted: RequestAction["type"],
  delivered: Delivered,
  extra: object = {},
) {
  return jsonResponse(202, {
    id: found.id,
    accepted,
    status: found.status,
    ...extra,
    action: { id: delivered.id, ...toFateView(delivered.fate) },
  });
}
