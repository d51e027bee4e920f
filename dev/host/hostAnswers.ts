// What the offline host answers by itself — requests it cannot parse or will not hand to the app,
// routes no function serves — in the API's error shape and with the API's headers, so that a
// client sees one kind of error whoever answered it.
import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorCode } from "../../src/domain/codes.js";
import { API_HEADERS } from "../../src/http/errors.js";

export interface HostRefusal {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

function refusalHeaders(refusal: HostRefusal, body: string, close: boolean): Record<string, string> {
  return {
    ...API_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    // A request whose body was not read to its end leaves the connection at an unknown place.
    ...(close ? { Connection: "close" } : {}),
    ...refusal.headers,
  };
}

function refusalBody(refusal: HostRefusal): string {
  return JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
}

/** Answers through the request's response; `close` when the rest of the connection is not to be read. */
export function answer(response: ServerResponse, refusal: HostRefusal, close: boolean): number {
  const body = refusalBody(refusal);
  response.writeHead(refusal.status, refusalHeaders(refusal, body, close));
  response.end(body);
  return refusal.status;
}

/**
 * Answers on the bare connection, for when Node's parser gave up and there is no response object
 * to write to; the connection is closed after it.
 */
export function answerOnSocket(socket: Duplex, refusal: HostRefusal): void {
  const body = refusalBody(refusal);
  const head = Object.entries(refusalHeaders(refusal, body, true)).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n${head.join("")}\r\n${body}`, () =>
    socket.destroy(),
  );
}
