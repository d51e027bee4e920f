// A TCP proxy in front of a host that forwards what the client sends but, for the first request
// whose request line starts as asked, cuts the client's connection as soon as the host begins to
// answer instead of passing the answer on: the request was handled, and its caller never learns how.
import { connect, createServer, type Socket } from "node:net";

export interface AnswerLosingProxy {
  readonly url: string;
  /** How many requests started with the prefix, the lost one included. */
  readonly matching: () => number;
  close(): Promise<void>;
}

export async function answerLosingProxy(targetPort: number, requestLinePrefix = ""): Promise<AnswerLosingProxy> {
  let matching = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    let losing = false;
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      // Each HTTP/1.1 request of a kept-alive connection starts a chunk of its own here: the client
      // sends the next one only after the answer to the last.
      if (chunk.toString("latin1").startsWith(requestLinePrefix)) losing = ++matching === 1;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!losing) return void client.write(chunk);
      client.destroy();
      upstream.destroy();
    });
    for (const socket of [client, upstream]) socket.on("error", () => undefined);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    matching: () => matching,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
