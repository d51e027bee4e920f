// What the host answers when Node's HTTP parser gives up on a connection (its 'clientError'):
// Node's own answers are bare text, these are the API's JSON.
import type { HostRefusal } from "./hostAnswers.js";
import { MAX_URL_BYTES } from "./requestReading.js";

interface ParserError extends Error {
  readonly code?: string;
  readonly reason?: string;
  /** The bytes being parsed when it failed. */
  readonly rawPacket?: Buffer;
}

/** The answer to a failure of the parser, or undefined for a connection that failed (nothing to answer). */
export function clientErrorRefusal(error: ParserError, headersMaxBytes: number): HostRefusal | undefined {
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT")
    return { status: 408, code: "REQUEST_TIMEOUT", message: "the request's headers did not arrive in time" };
  if (error.code === "HPE_HEADER_OVERFLOW") {
    return overlongRequestLine(error.rawPacket)
      ? { status: 414, code: "URI_TOO_LONG", message: `the request target must not exceed ${MAX_URL_BYTES} bytes` }
      : {
          status: 431,
          code: "HEADERS_TOO_LARGE",
          message: `the request line and headers must not exceed ${headersMaxBytes} bytes`,
        };
  }
  if (!error.code?.startsWith("HPE_")) return undefined;
  return {
    status: 400,
    code: "MALFORMED_REQUEST",
    message: `the request could not be parsed: ${error.reason ?? error.message}`,
  };
}

/**
 * Node counts the request line into its header limit and reports one overflow for both; when the
 * bytes it choked on begin a request whose first line has not ended within MAX_URL_BYTES, it was
 * the target. (An overflow found in a later packet of a request is reported as headers.)
 */
function overlongRequestLine(packet: Buffer | undefined): boolean {
  if (!packet || !/^[A-Z]+ /.test(packet.subarray(0, 16).toString("latin1"))) return false;
  const lineEnd = packet.indexOf("\r\n");
  return lineEnd === -1 || lineEnd > MAX_URL_BYTES;
}
