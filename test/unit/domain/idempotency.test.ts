import { describe, expect, it } from "vitest";
import {
  answersAgain,
  decideHeldKey,
  IDEMPOTENCY_WINDOW_MS,
  isIdempotencyKey,
  RESERVATION_BOUND_MS,
  type HeldKeyDecision,
  type ReservedRequest,
} from "../../../src/domain/idempotency.js";

const NOW = new Date("2026-11-28T10:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

describe("Idempotency-Key values", () => {
  it.each(["a", "x".repeat(128), "3f2c9a1e-6b1d-4c55-9a3e-0d6f1c2b7a10", "!~/\\#?%{}", "\x21\x7e"])(
    "accepts %j",
    (key) => expect(isIdempotencyKey(key)).toBe(true),
  );

  it.each(["", "x".repeat(129), "a b", "tab\tkey", "line\nbreak", "é", "\x7f", "a, b", "\u{1f511}"])(
    "refuses %j",
    (key) => expect(isIdempotencyKey(key)).toBe(false),
  );
});

describe("a key already held", () => {
  const cases: [string, string, boolean, ReservedRequest, HeldKeyDecision][] = [
    ["completed just now", ago(0), true, "absent", "replay"],
    ["completed a day less a second ago", ago(IDEMPOTENCY_WINDOW_MS - 1_000), true, "created", "replay"],
    ["completed a day ago", ago(IDEMPOTENCY_WINDOW_MS), true, "created", "take-over"],
    ["completed a day and a second ago", ago(IDEMPOTENCY_WINDOW_MS + 1_000), true, "created", "take-over"],
    ["pending, young, its request created", ago(RESERVATION_BOUND_MS - 1), false, "created", "in-use"],
    ["pending, young, no request yet", ago(0), false, "absent", "in-use"],
    ["pending, young, its start failed", ago(1_000), false, "start-failed", "in-use"],
    ["pending past the bound, its request created", ago(RESERVATION_BOUND_MS), false, "created", "adopt"],
    ["pending past the bound, no request", ago(RESERVATION_BOUND_MS), false, "absent", "take-over"],
    ["pending past the bound, its start failed", ago(RESERVATION_BOUND_MS + 1), false, "start-failed", "take-over"],
    ["pending for over a day, its request created", ago(IDEMPOTENCY_WINDOW_MS + 1), false, "created", "take-over"],
    ["reserved at an unreadable time, completed", "yesterday", true, "created", "take-over"],
    ["reserved at an unreadable time, pending", "", false, "created", "take-over"],
  ];

  it.each(
    cases.map(([name, reservedAt, completed, request, expected]) => ({
      name,
      reservedAt,
      completed,
      request,
      expected,
    })),
  )("$name → $expected", ({ reservedAt, completed, request, expected }) => {
    expect(decideHeldKey({ reservedAt, completed }, request, NOW)).toBe(expected);
  });

  it("answers again only a completed key within the window, whatever became of its request", () => {
    expect(answersAgain({ reservedAt: ago(IDEMPOTENCY_WINDOW_MS - 1), completed: true }, NOW)).toBe(true);
    expect(answersAgain({ reservedAt: ago(IDEMPOTENCY_WINDOW_MS), completed: true }, NOW)).toBe(false);
    expect(answersAgain({ reservedAt: ago(0), completed: false }, NOW)).toBe(false);
    expect(answersAgain({ reservedAt: "not a time", completed: true }, NOW)).toBe(false);
  });
});
