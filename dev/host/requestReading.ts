// Reading a request the way the offline host trusts it: a target and Host it can make a URL of,
// a body read under a size limit and a deadline — refused as each is found wrong, never by a
// throw, and never after reading more than the limit.
import type { IncomingMessage } from "node:http";
import type { HostRefusal } from "./hostAnswers.js";

/** Longer request targets get 414: Kestrel, in front of the Functions host, stops at 8 KiB too. */
export const MAX_URL_BYTES = 8 * 1024;
export const MAX_BODY_BYTES = 1024 * 1024;

/** A Host header is a host name, IPv4 or [IPv6] literal, and an optional port (RFC 9110 §7.2). */
const HOST = /^(?:\[[0-9a-f:.]+\]|[\w.~%!$&'()*+,;=-]+)(?::\d*)?$/i;

function malformed(message: string): HostRefusal {
  return { status: 400, code: "MALFORMED_REQUEST", message };
}

/** The URL the request names, or why there is none. */
export function requestUrl(request: IncomingMessage): URL | HostRefusal {
  const target = request.url ?? "/";
  if (Buffer.byteLength(target) > MAX_URL_BYTES)
    return { status: 414, code: "URI_TOO_LONG", message: `the request target must not exceed ${MAX_URL_BYTES} bytes` };
  const hosts = request.rawHeaders.filter((value, index) => index % 2 === 0 && value.toLowerCase() === "host");
  if (hosts.length > 1) return malformed("the request has more than one Host header");
  const host = request.headers.host;
  if (host === undefined) {
    // HTTP/1.0 had no Host header; HTTP/1.1 requires it.
    if (request.httpVersion === "1.0") return parseUrl(target, "localhost");
    return malformed("the request has no Host header");
  }
  if (!HOST.test(host)) return malformed("the Host header is not a host name and port");
  return parseUrl(target, host);
}

function parseUrl(target: string, host: string): URL | HostRefusal {
  try {
    return new URL(target, `http://${host}`);
  } catch {
    return malformed("the request target is not a URL");
  }
}

export type BodyRead =
  | { readonly kind: "read"; readonly bytes: Buffer }
  | { readonly kind: "too-large" }
  | { readonly kind: "timed-out" }
  | { readonly kind: "aborted" };

/**
 * Reads the body to its end, or stops as soon as it passes `maxBytes` (a declared length beyond it
 * is refused unread) or `timeoutMs` passes. A stopped request is paused, so that Node stops reading
 * the connection once its buffer is full.
 */
export function readBody(
  request: IncomingMessage,
  { maxBytes, timeoutMs }: { maxBytes: number; timeoutMs: number },
): Promise<BodyRead> {
  if (Number(request.headers["content-length"] ?? 0) > maxBytes) return Promise.resolve({ kind: "too-large" });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (read: BodyRead) => {
      clearTimeout(deadline);
      request.off("data", onData).off("end", onEnd).off("error", onAborted).off("close", onAborted);
      if (read.kind !== "read") request.pause();
      resolve(read);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ kind: "too-large" });
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: "read", bytes: Buffer.concat(chunks) });
    const onAborted = () => finish({ kind: "aborted" });
    const deadline = setTimeout(() => finish({ kind: "timed-out" }), timeoutMs);
    request.on("data", onData).once("end", onEnd).once("error", onAborted).once("close", onAborted);
  });
}
