// Body limits hold while the body is read: a sender that never stops is cut off at the limit.
import type { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_BODY_BYTES, readJsonBody } from "../../../src/http/body.js";
import { ApiError } from "../../../src/http/errors.js";

const CHUNK = 1024;

/**
 * A request whose body is a JSON string sent in 1 KiB chunks, pulled only when read: `chunks` of
 * them and the closing quote, or without end.
 */
function streamed(headers: Record<string, string>, chunks = Number.POSITIVE_INFINITY) {
  const seen = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        seen.pulled++;
        const text = seen.pulled === 1 ? '"' : seen.pulled <= chunks + 1 ? "x".repeat(CHUNK) : undefined;
        if (text === undefined) {
          controller.enqueue(new TextEncoder().encode('"'));
          controller.close();
        } else controller.enqueue(new TextEncoder().encode(text));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { request: { headers: new Headers(headers), body } as unknown as HttpRequest, seen };
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("request bodies", () => {
  const anything = z.unknown();

  it("stop reading a body without end at the limit, and refuse it with a 413", async () => {
    const { request, seen } = streamed({ "content-type": "application/json" });
    expect(await refusal(readJsonBody(request, anything))).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    expect(seen.pulled).toBeLessThanOrEqual(MAX_BODY_BYTES / CHUNK + 2);
    expect(seen.cancelled).toBe(true);
  });

  it("refuse a declared length over the limit without reading the body", async () => {
    const { request, seen } = streamed({ "content-type": "application/json", "content-length": "16385" });
    expect(await refusal(readJsonBody(request, anything))).toMatchObject({ status: 413 });
    expect(seen.pulled).toBe(0);
  });

  it("read a body up to the limit whatever its chunks", async () => {
    const { request } = streamed({ "content-type": "application/json" }, MAX_BODY_BYTES / CHUNK - 1);
    expect(await readJsonBody(request, anything)).toBe("x".repeat(MAX_BODY_BYTES - CHUNK));
  });
});
