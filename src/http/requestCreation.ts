// POST /api/requests: an emergency-group member asks for a window on a managed cluster. The
// request is stored first (one live request per requester and cluster), then its workflow is
// started; a workflow that cannot start fails the request, so that it blocks nothing. With an
// Idempotency-Key, a retry of the same POST answers the first request (idempotency.ts).
import type { InvocationContext } from "@azure/functions";
import { z } from "zod";
import { requesterRefusal } from "../domain/access.js";
import type { ManagedCluster } from "../domain/clusters.js";
import { requestableCluster } from "../fleet/lookups.js";
import { newRequestId, REQUEST_ID_RANDOM_BYTES } from "../domain/ids.js";
import { decideDuration, type DurationDecision } from "../domain/policy.js";
import {
  START_FAILED,
  toRequestView,
  type EmergencyRequest,
  type Person,
  type RequestView,
} from "../domain/request.js";
import { TransientError } from "../ports/errors.js";
import type { WindowWorkflowInput } from "../ports/workflowClient.js";
import type { ApiAccess, ApiDependencies } from "./apiAccess.js";
import { readJsonBody } from "./body.js";
import { personOf } from "./decisions.js";
import type { Principal } from "./authentication.js";
import { ApiError } from "./errors.js";
import type { HttpHandler } from "./handler.js";
import { acceptedResponse, idempotencyKeyOf, IdempotencyKeys } from "./idempotency.js";

/** What asking for a window takes: the JSON body of POST /api/requests, the console's form fields. */
export const requestFields = z
  .object({
    cluster: z.string().trim().min(1).max(512),
    justification: z.string().trim().min(1).max(2000),
    ticket: z.string().trim().min(1).max(200),
    duration: z.string().trim().min(1).max(40).optional(),
  })
  .strict();
export type RequestFields = z.infer<typeof requestFields>;

interface Accepted {
  readonly cluster: ManagedCluster;
  readonly requester: Person;
  readonly justification: string;
  readonly ticket: string;
  readonly duration: Extract<DurationDecision, { ok: true }>;
}

/** A request accepted: its view, and whether it answers an earlier attempt with the same key. */
export interface Created {
  readonly view: RequestView;
  readonly replayed: boolean;
}

/**
 * Asking for a window, whichever way it was asked (the API, the console's form): the same checks,
 * the same refusals (thrown as ApiError), the same Idempotency-Key protection.
 */
export class RequestCreation {
  private readonly keys: IdempotencyKeys;
  private readonly lookupSettings;

  constructor(
    private readonly deps: ApiDependencies,
    private readonly access: ApiAccess,
  ) {
    this.keys = new IdempotencyKeys(deps);
    this.lookupSettings = { listed: deps.config.clusters, tagged: deps.config.fleet.tag !== undefined };
  }

  /** `fields` are read only when the key has no answer yet: a replay does not look at the body. */
  async create(
    principal: Principal,
    key: string | undefined,
    fields: () => Promise<RequestFields>,
    context: InvocationContext,
  ): Promise<Created> {
    const replayed = key === undefined ? undefined : await this.keys.replay(principal.oid, key);
    if (replayed) return { view: replayed, replayed: true };
    const input = await this.accept(await fields(), context, principal);
    if (key === undefined) return { view: await createAndStart(this.deps, context, input), replayed: false };
    const claim = await this.keys.claim(principal.oid, key, input.id, this.deps.workflow(context), (message) =>
      context.warn(message),
    );
    if (claim.kind === "answered") return { view: claim.view, replayed: true };
    try {
      const view = await createAndStart(this.deps, context, input, claim.hold.actBy);
      await claim.hold.complete(view);
      return { view, replayed: false };
    } catch (error) {
      // A retry with this key is then evaluated afresh; the failure is answered as it would be without a key.
      await claim.hold.release();
      throw error;
    }
  }

  /** The fields, from a member allowed to ask for that cluster; refusals are audited. */
  private async accept(body: RequestFields, context: InvocationContext, principal: Principal) {
    const { access } = this;
    const member = await access.member(principal);
    const notRequester = requesterRefusal(member.roles);
    if (notRequester) return access.refuse(context, principal, "request", body.cluster, notRequester);
    // Listed, or tagged as the inventory says now; 503 when that cannot be known (docs/design.md §12.3).
    const cluster = await requestableCluster(this.deps.fleet, this.lookupSettings, body.cluster);
    if (!cluster) {
      return access.refuse(context, principal, "request", body.cluster, {
        code: "CLUSTER_NOT_MANAGED",
        message: "that cluster is not managed by this break-glass deployment",
      });
    }
    const duration = decideDuration(body.duration, this.deps.config.policy);
    if (!duration.ok) throw new ApiError(400, "INVALID_DURATION", duration.message);
    const { justification, ticket } = body;
    return this.workflowInput({ cluster, requester: personOf(member, principal), justification, ticket, duration });
  }

  /** The workflow's input for a request accepted now; the stored request is the same facts, pending. */
  private workflowInput({ cluster, requester, justification, ticket, duration }: Accepted): WindowWorkflowInput {
    const { deps } = this;
    const { policy } = deps.config;
    const now = deps.now();
    return {
      id: newRequestId(now.getTime(), deps.randomBytes(REQUEST_ID_RANDOM_BYTES)),
      cluster,
      requester,
      justification,
      ticket,
      duration: duration.iso,
      durationMs: duration.ms,
      maxDurationMs: policy.maxDurationMs,
      requestedAt: now.toISOString(),
      approvalDeadline: new Date(now.getTime() + policy.approvalTimeoutMs).toISOString(),
      requiredApprovals: policy.requiredApprovals,
      approvalTimeoutMs: policy.approvalTimeoutMs,
      ...(deps.evidencePlan ? { evidence: deps.evidencePlan } : {}),
    };
  }
}

export function createRequestHandler(creation: RequestCreation, access: ApiAccess): HttpHandler {
  return async (request, context) => {
    const principal = await access.authenticate(request);
    const key = idempotencyKeyOf(request);
    const { view, replayed } = await creation.create(
      principal,
      key,
      () => readJsonBody(request, requestFields),
      context,
    );
    return acceptedResponse(view, replayed);
  };
}

/** Stores the request and starts its workflow: its view, as answered. */
async function createAndStart(
  deps: Pick<ApiDependencies, "requests" | "workflow" | "now">,
  context: InvocationContext,
  input: WindowWorkflowInput,
  actBy = Number.POSITIVE_INFINITY,
): Promise<RequestView> {
  // A keyed attempt acts only while its reservation is its own (docs/design.md §4): past `actBy`
  // another attempt may take the key over, so this one creates and starts nothing any more.
  const late = () => deps.now().getTime() > actBy;
  if (late()) throw new TransientError("ATTEMPT_TOO_SLOW", "the request took too long to be accepted; try again");
  const { approvalTimeoutMs: _approvalTimeoutMs, ...facts } = input;
  const created: EmergencyRequest = {
    ...facts,
    status: "pending-approval",
    approvals: [],
    updatedAt: facts.requestedAt,
  };
  const stored = await deps.requests.create(created);
  if (stored.kind === "live-request-exists") {
    throw new ApiError(
      409,
      "LIVE_REQUEST_EXISTS",
      `you already have request ${stored.existingId} on this cluster; close it or wait for it to end`,
    );
  }
  await start(deps, context, input, late);
  return toRequestView(created);
}

async function start(
  deps: Pick<ApiDependencies, "requests" | "workflow">,
  context: InvocationContext,
  input: WindowWorkflowInput,
  late: () => boolean,
): Promise<void> {
  try {
    if (late()) throw new Error("the attempt ran past its idempotency key's reservation");
    await deps.workflow(context).startWindow(input);
  } catch (error) {
    context.error(`could not start the workflow for ${input.id}:`, error);
    const at = input.requestedAt;
    await deps.requests.recordProgress(input.id, {
      status: "failed",
      at,
      outcome: { code: START_FAILED, message: "the workflow could not be started; nothing was changed", at },
    });
    throw new TransientError("WORKFLOW_START_FAILED", "the workflow could not be started", undefined, {
      cause: error,
    });
  }
}
