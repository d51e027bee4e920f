import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/http/errors.js";
import { idempotencyKeyOf } from "../../../src/http/idempotency.js";

const post = (headers: Record<string, string>) =>
  new HttpRequest({ method: "POST", url: "http://localhost:7071/api/requests", headers });

describe("the Idempotency-Key header", () => {
  it("is absent when not sent, and read as sent (in any case of the name)", () => {
    expect(idempotencyKeyOf(post({}))).toBeUndefined();
    expect(idempotencyKeyOf(post({ "Idempotency-Key": "Key-1/2#?" }))).toBe("Key-1/2#?");
    expect(idempotencyKeyOf(post({ "idempotency-key": "k" }))).toBe("k");
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(129)],
    ["with a space", "my key"],
    ["two values, joined as a repeated header is", "a, b"],
  ])("is refused with 400 INVALID_IDEMPOTENCY_KEY when %s", (_name, key) => {
    let refusal: unknown;
    try {
      idempotencyKeyOf(post({ "Idempotency-Key": key }));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 400, code: "INVALID_IDEMPOTENCY_KEY" });
  });
});
