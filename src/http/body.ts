// Reading request bodies: size first, then media type, then JSON, then the schema.
// Every failure is a 4xx that names the problem and changes nothing.
import type { HttpRequest } from "@azure/functions";
import type { z } from "zod";
import { ApiError } from "./errors.js";

export const MAX_BODY_BYTES = 16 * 1024;

/** Parses a JSON body against a schema. An empty body is `{}` when `emptyAllowed` (action endpoints). */
export async function readJsonBody<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
  { emptyAllowed = false }: { emptyAllowed?: boolean } = {},
): Promise<z.infer<S>> {
  const text = await readCapped(request);
  let value: unknown = {};
  if (text.trim() === "") {
    if (!emptyAllowed) throw new ApiError(400, "BODY_REQUIRED", "a JSON body is required");
  } else {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
      throw new ApiError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "the body must be JSON, sent with Content-Type: application/json",
      );
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, "MALFORMED_JSON", "the body is not valid JSON");
    }
  }
  return checkFields(schema, value);
}

/** Checks fields against a schema (a JSON body's, or a form's): a 400 naming each problem. */
export function checkFields<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.length ? issue.path.join(".") : "body"}: ${issue.message}`,
    );
    throw new ApiError(400, "INVALID_REQUEST", problems.join("; "));
  }
  return parsed.data;
}

/** Parses an HTML form post (application/x-www-form-urlencoded). */
export async function readFormBody(request: HttpRequest): Promise<URLSearchParams> {
  const text = await readCapped(request);
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type)) {
    throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "this form must be sent as application/x-www-form-urlencoded");
  }
  return new URLSearchParams(text);
}

/** Reads the body but stops at the limit, so a huge chunked body is refused without being buffered. */
async function readCapped(request: HttpRequest): Promise<string> {
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ApiError(400, "MALFORMED_JSON", "the body is not valid UTF-8");
  }
}

function tooLarge(): ApiError {
  return new ApiError(413, "PAYLOAD_TOO_LARGE", `the body must not exceed ${MAX_BODY_BYTES} bytes`);
}
