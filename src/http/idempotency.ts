// Idempotency-Key on POST /api/requests (docs/design.md §4): the same key from the same requester
// within 24 hours answers the first request's 202 again and never creates a second request. The
// key is reserved before the request is created; a key found held is decided by decideHeldKey.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { isRequestId } from "../domain/ids.js";
import {
  answersAgain,
  decideHeldKey,
  isIdempotencyKey,
  RESERVATION_BOUND_MS,
  type HeldKeyDecision,
  type ReservedRequest,
} from "../domain/idempotency.js";
import { START_FAILED, toRequestView, type EmergencyRequest, type RequestView } from "../domain/request.js";
import type { IdempotencyRecord, IdempotencyStore, StoredIdempotencyRecord } from "../ports/idempotencyStore.js";
import type { RequestStore } from "../ports/requestStore.js";
import type { WorkflowClient } from "../ports/workflowClient.js";
import { ApiError, jsonResponse } from "./errors.js";

/** Rounds of reserve-or-decide before telling the client the key is busy. */
const MAX_ROUNDS = 3;

/** The request's Idempotency-Key, when it sent one; a malformed one is refused before anything is read. */
export function idempotencyKeyOf(request: HttpRequest): string | undefined {
  const key = request.headers.get("idempotency-key");
  if (key === null) return undefined;
  if (!isIdempotencyKey(key)) {
    throw new ApiError(
      400,
      "INVALID_IDEMPOTENCY_KEY",
      "the Idempotency-Key header must be 1 to 128 visible ASCII characters (no spaces)",
    );
  }
  return key;
}

/** The 202 of an accepted request; `replayed` when it answers an earlier attempt with the same key. */
export function acceptedResponse(view: RequestView, replayed = false): HttpResponseInit {
  return jsonResponse(202, view, {
    Location: `/api/requests/${view.id}`,
    ...(replayed ? { "Idempotent-Replayed": "true" } : {}),
  });
}

/** An attempt's hold on its key: completed with its answer once the request exists, released if it fails. */
export interface KeyHold {
  /** When (ms) the attempt must stop creating or starting anything: half the reservation bound. */
  readonly actBy: number;
  complete(view: RequestView): Promise<void>;
  release(): Promise<void>;
}

export type KeyClaim =
  /** The key already has an answer: the first request's view, to be answered again (replayed). */
  { readonly kind: "answered"; readonly view: RequestView } | { readonly kind: "held"; readonly hold: KeyHold };

export interface IdempotencyDependencies {
  readonly idempotency: IdempotencyStore;
  readonly requests: RequestStore;
  readonly now: () => Date;
}

export class IdempotencyKeys {
  constructor(private readonly deps: IdempotencyDependencies) {}

  /** The view a key already answers, if its first attempt completed within the window (the body is not looked at). */
  async replay(requesterOid: string, key: string): Promise<RequestView | undefined> {
    const record = await this.deps.idempotency.read(requesterOid, key);
    if (!record?.answer || !answersAgain(reservationOf(record), this.deps.now())) return undefined;
    return JSON.parse(record.answer) as RequestView;
  }

  /** Reserves the key for the request `requestId` is about to be, or answers what the key already means. */
  async claim(
    requesterOid: string,
    key: string,
    requestId: string,
    workflow: Pick<WorkflowClient, "status">,
    log: (message: string) => void,
  ): Promise<KeyClaim> {
    const { idempotency, requests, now } = this.deps;
    const reservation: IdempotencyRecord = { requestId, reservedAt: now().toISOString() };
    const hold = (version: string): KeyClaim => ({
      kind: "held",
      hold: this.holdOf(requesterOid, key, reservation, version, log),
    });
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const reserved = await idempotency.reserve(requesterOid, key, reservation);
      if (reserved.kind === "reserved") return hold(reserved.version);
      const held = await idempotency.read(requesterOid, key);
      if (!held) continue; // released meanwhile
      const request = !held.answer && isRequestId(held.requestId) ? await requests.get(held.requestId) : undefined;
      switch (await this.decide(held, request, workflow)) {
        case "replay":
          return { kind: "answered", view: JSON.parse(held.answer!) as RequestView };
        case "adopt": {
          const view = toRequestView(request!);
          const first = { requestId: held.requestId, reservedAt: held.reservedAt };
          await this.holdOf(requesterOid, key, first, held.version, log).complete(view);
          return { kind: "answered", view };
        }
        case "in-use":
          return keyInUse();
        case "take-over": {
          const taken = await idempotency.replace(requesterOid, key, reservation, held.version);
          if (taken.kind === "replaced") return hold(taken.version);
        }
      }
    }
    return keyInUse();
  }

  /**
   * decideHeldKey, with one more fact when it would adopt: a request whose attempt died between
   * storing it and starting its workflow has no workflow, would stay pending for ever and hold the
   * requester's live slot. It is failed as a start that failed, and the key taken over.
   */
  private async decide(
    held: StoredIdempotencyRecord,
    request: EmergencyRequest | undefined,
    workflow: Pick<WorkflowClient, "status">,
  ): Promise<HeldKeyDecision> {
    const decision = decideHeldKey(reservationOf(held), requestFate(request), this.deps.now());
    if (decision !== "adopt" || (await workflow.status(held.requestId)) !== "not-found") return decision;
    const at = this.deps.now().toISOString();
    await this.deps.requests.recordProgress(held.requestId, {
      status: "failed",
      at,
      outcome: { code: START_FAILED, message: "the attempt that stored it stopped before starting its workflow", at },
    });
    return decideHeldKey(reservationOf(held), "start-failed", this.deps.now());
  }

  private holdOf(
    requesterOid: string,
    key: string,
    reservation: IdempotencyRecord,
    version: string,
    log: (message: string) => void,
  ): KeyHold {
    const { idempotency } = this.deps;
    return {
      actBy: Date.parse(reservation.reservedAt) + RESERVATION_BOUND_MS / 2,
      // Best effort both: the request's answer stands even if its key could not be written, and a
      // reservation left behind is decided by its age (decideHeldKey).
      async complete(view) {
        const answer = { ...reservation, answer: JSON.stringify(view) };
        const written = await idempotency.replace(requesterOid, key, answer, version).catch((error: unknown) => {
          log(`could not complete the idempotency key of ${view.id}: ${String(error)}`);
          return undefined;
        });
        if (written?.kind === "changed") log(`the idempotency key of ${view.id} was taken over before it completed`);
      },
      async release() {
        await idempotency.release(requesterOid, key, version).catch((error: unknown) => {
          log(`could not release the idempotency key of ${reservation.requestId}: ${String(error)}`);
        });
      },
    };
  }
}

function reservationOf(record: StoredIdempotencyRecord) {
  return { reservedAt: record.reservedAt, completed: record.answer !== undefined };
}

function requestFate(request: EmergencyRequest | undefined): ReservedRequest {
  if (!request) return "absent";
  return request.outcome?.code === START_FAILED ? "start-failed" : "created";
}

function keyInUse(): never {
  throw new ApiError(
    409,
    "IDEMPOTENCY_KEY_IN_USE",
    "the first attempt with this Idempotency-Key is still being processed; retry shortly",
    { "Retry-After": "1" },
  );
}
