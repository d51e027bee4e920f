// Bytes no well-behaved client sends, on raw sockets, to the offline host running the built app in
// simulation: each gets the API's JSON error, with the API's headers, and none of them stops the
// host — it still serves, and a window opened before them still closes at its deadline.
import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from "vitest";
import { startAzurite, type RunningAzurite } from "../../dev/azurite.js";
import { eventually, freePort, startOfflineHost, type RunningProcess } from "../support/processes.js";
import { api, CLUSTER, clusterState, requestStatus, type Api } from "./offlineHosts.js";

/** The host's 408 deadline here; its default is 10 s. */
const REQUEST_TIMEOUT_MS = 500;
const BODY_LIMIT = 1024 * 1024;

interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/**
 * Sends `bytes` on a new connection and reads the answer up to the host's closing it; `feed`, when
 * given, is called every few milliseconds until an answer begins (to stream a body).
 */
function exchange(port: number, bytes: string, feed?: (write: (chunk: Buffer) => void) => void): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("error", () => undefined); // a reset after the answer: the answer is what counts
    socket.on("close", () => {
      const text = Buffer.concat(received).toString("latin1");
      const headEnd = text.indexOf("\r\n\r\n");
      if (headEnd === -1) return reject(new Error(`no answer, only ${JSON.stringify(text)}`));
      const [statusLine, ...fields] = text.slice(0, headEnd).split("\r\n");
      const headers = Object.fromEntries(
        fields.map((field) => [
          field.slice(0, field.indexOf(":")).toLowerCase(),
          field.slice(field.indexOf(":") + 1).trim(),
        ]),
      );
      const body = text.slice(headEnd + 4, headEnd + 4 + Number(headers["content-length"]));
      resolve({ status: Number(statusLine!.split(" ")[1]), headers, body: JSON.parse(body) as unknown });
    });
    socket.write(bytes, "latin1");
    if (!feed) return;
    const feeding = setInterval(() => {
      if (received.length || socket.destroyed) clearInterval(feeding);
      else feed((chunk) => socket.write(chunk));
    }, 5);
  });
}

const CASES: { name: string; send: string; status: number; code: string }[] = [
  {
    name: "a Host with a space",
    send: "GET /api/health HTTP/1.1\r\nHost: a b\r\n\r\n",
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "an absolute request-line URL that does not parse",
    send: "GET http://[::1/api/health HTTP/1.1\r\nHost: localhost\r\n\r\n",
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  { name: "HTTP/1.1 without Host", send: "GET /api/health HTTP/1.1\r\n\r\n", status: 400, code: "MALFORMED_REQUEST" },
  {
    name: "two Host headers",
    send: "GET /api/health HTTP/1.1\r\nHost: localhost\r\nHost: elsewhere\r\n\r\n",
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "a NUL in a header",
    send: "GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\0b\r\n\r\n",
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "a URL over 8 KiB",
    send: `GET /api/health?${"a".repeat(9 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    status: 414,
    code: "URI_TOO_LONG",
  },
  {
    name: "a URL past the header limit",
    send: `GET /api/health?${"a".repeat(20 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    status: 414,
    code: "URI_TOO_LONG",
  },
  {
    name: "huge headers",
    send: `GET /api/health HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: 20 }, (_, index) => `X-Filler-${index}: ${"b".repeat(1000)}\r\n`).join("")}\r\n`,
    status: 431,
    code: "HEADERS_TOO_LARGE",
  },
  { name: "a bare garbage line", send: "hello there\r\n\r\n", status: 400, code: "MALFORMED_REQUEST" },
  {
    name: "malformed chunked encoding",
    send: "POST /api/requests HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "a declared Content-Length beyond the limit, refused unread",
    send: `POST /api/requests HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT + 1}\r\n\r\n`,
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "a declared Content-Length beyond the limit on a route no function serves",
    send: `POST /api/nothing-here HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${BODY_LIMIT + 1}\r\n\r\n`,
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "a Content-Length whose body never arrives",
    send: "POST /api/requests HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    status: 408,
    code: "REQUEST_TIMEOUT",
  },
  {
    name: "headers that never end",
    send: "GET /api/health HTTP/1.1\r\nHost: localhost\r\n",
    status: 408,
    code: "REQUEST_TIMEOUT",
  },
  {
    name: "CONNECT",
    send: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    status: 405,
    code: "METHOD_NOT_ALLOWED",
  },
  {
    name: "a route no function serves",
    send: "GET /api/nothing-here HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    status: 404,
    code: "NOT_FOUND",
  },
  {
    name: "a method the route does not take",
    send: "DELETE /api/requests HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    status: 405,
    code: "METHOD_NOT_ALLOWED",
  },
];

let azurite: RunningAzurite;
let host: RunningProcess;
let port: number;
let client: Api;
let window: { id: string; closesAt: string };

beforeAll(async () => {
  azurite = await startAzurite();
  port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  host = startOfflineHost({
    PORT: String(port),
    AzureWebJobsStorage: azurite.connectionString,
    TASKHUB_NAME: "malformed",
    BREAKGLASS_MODE: "simulation",
    BREAKGLASS_MIN_DURATION: "PT10S",
    BREAKGLASS_PUBLIC_BASE_URL: base,
    OFFLINE_HOST_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
  await host.waitFor(/offline host listening on/);
  client = api(base);
  // Opened before the barrage, to be closed by the durable timer after it.
  const [alice, bob] = await Promise.all([client.token("alice@contoso.dev"), client.token("bob@contoso.dev")]);
  const created = await client.call("POST", "/api/requests", {
    token: alice,
    json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-13", duration: "PT10S" },
  });
  const { id } = created.body as { id: string };
  expect((await client.call("POST", `/api/requests/${id}/approve`, { token: bob })).status).toBe(202);
  const opened = await client.call("GET", `/api/requests/${id}`, { token: bob });
  expect(opened.body).toMatchObject({ status: "open" });
  window = { id, closesAt: (opened.body as { window: { closesAt: string } }).window.closesAt };
});
afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});
beforeEach(() => onTestFailed(() => console.error(`--- output of the offline host ---\n${host.output()}`)));

function expectRefusal(reply: RawReply, status: number, code: string): void {
  expect(reply).toMatchObject({
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
    body: { error: { code, message: expect.any(String) } },
  });
  expect(Object.keys(reply.body as object)).toEqual(["error"]);
  expect(host.child.exitCode).toBeNull();
}

describe.sequential("malformed requests on raw sockets against the offline host", () => {
  it.each(CASES)("$name → $status $code", async ({ send, status, code }) => {
    expectRefusal(await exchange(port, send), status, code);
  });

  it("an oversized body streamed slowly → 413 as soon as the limit is passed, long before the body ends", async () => {
    const frame = Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(0x10000, "a"), Buffer.from("\r\n")]);
    const planned = 16 * BODY_LIMIT;
    let sent = 0;
    const reply = await exchange(
      port,
      "POST /api/requests HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
      (write) => {
        if (sent >= planned) return;
        write(frame);
        sent += 0x10000;
      },
    );
    expectRefusal(reply, 413, "PAYLOAD_TOO_LARGE");
    expect(sent).toBeGreaterThan(BODY_LIMIT);
    expect(sent).toBeLessThan(planned);
  });

  it("afterwards the host serves /api/health, and the window opened before closes at its deadline", async () => {
    expect(await client.call("GET", "/api/health")).toEqual({
      status: 200,
      body: { status: "ok", mode: "simulation", api: 1 },
    });
    const bob = await client.token("bob@contoso.dev");
    await eventually(async () => expect(await requestStatus(client, bob, window.id)).toBe("closed"), 20_000);
    const closed = (await client.call("GET", `/api/requests/${window.id}`, { token: bob })).body as {
      window: { closedAt: string };
    };
    expect(Date.parse(closed.window.closedAt)).toBeGreaterThanOrEqual(Date.parse(window.closesAt));
    expect((await clusterState(client, bob)).localAccounts).toBe("disabled");
    expect(host.child.exitCode).toBeNull();
  });
});
