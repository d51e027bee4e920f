// Idempotency-Key on POST /api/requests: a client that lost the answer to its POST sends it again
// with the same key, and must get the first request back, never a second one (docs/design.md §4).
// A key is reserved before its request is created and completed with the answer once it exists;
// what to do when a key is already reserved is decided here, from the facts, at a given time.

/** How long a key means its first request: a retry a day later is a new question. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60_000;

/**
 * How long a reservation that is not completed may belong to an attempt still running. One run of
 * the handler is a few storage calls and the start of a workflow, each with its own timeout of
 * seconds; past this bound the attempt has died (a crash, a lost instance) and its reservation may
 * be acted on. Before it, the attempt may still create, discard or fail its request, so its request
 * id is not yet an answer: the retry is told to come back (409 with Retry-After).
 */
export const RESERVATION_BOUND_MS = 30_000;

/** Visible ASCII (0x21–0x7E), 1 to 128 characters: what the contract allows in the header. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

export function isIdempotencyKey(text: string): boolean {
  return IDEMPOTENCY_KEY.test(text);
}

/** What a reservation says about the attempt that made it. */
export interface KeyReservation {
  readonly reservedAt: string;
  /** Whether the attempt finished and its answer is stored. */
  readonly completed: boolean;
}

/** What became of the request a pending reservation named. */
export type ReservedRequest = "absent" | "start-failed" | "created";

/** Whether a key's answer is still the answer: the attempt completed, within the window. */
export function answersAgain(reservation: KeyReservation, now: Date): boolean {
  return reservation.completed && ageOf(reservation, now) < IDEMPOTENCY_WINDOW_MS;
}

/**
 * What to do when a key is already held:
 * - `replay`: answer the stored answer again.
 * - `adopt`: the attempt died after creating its request; answer that request and complete the key.
 * - `in-use`: an attempt may still be running; ask the client to retry shortly.
 * - `take-over`: the key means nothing any more (expired, or its attempt died without a request that
 *   started); replace the reservation (conditionally) and create a request.
 */
export type HeldKeyDecision = "replay" | "adopt" | "in-use" | "take-over";

export function decideHeldKey(reservation: KeyReservation, request: ReservedRequest, now: Date): HeldKeyDecision {
  if (answersAgain(reservation, now)) return "replay";
  const age = ageOf(reservation, now);
  if (reservation.completed || !(age < IDEMPOTENCY_WINDOW_MS)) return "take-over";
  if (age < RESERVATION_BOUND_MS) return "in-use";
  return request === "created" ? "adopt" : "take-over";
}

/** An unreadable time reads as infinitely old: a key must never stay blocked forever. */
function ageOf(reservation: KeyReservation, now: Date): number {
  const at = Date.parse(reservation.reservedAt);
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : now.getTime() - at;
}
