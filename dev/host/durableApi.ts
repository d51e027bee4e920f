// The Durable Task extension's HTTP API as the durable-functions client calls it when its
// binding data carries `rpcBaseUrl`: start, status, raise event, terminate — served by the
// engine. It listens on loopback only, under a random path segment: like the extension's
// system key, it keeps anyone else on the machine from approving behind the API's back.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DurableEngine } from "../durable/engine.js";

const MAX_BODY_BYTES = 1024 * 1024;

export class DurableHttpApi {
  private server: Server | undefined;
  private readonly secret = randomBytes(16).toString("hex");
  private baseUrl = "";

  constructor(
    private readonly engine: DurableEngine,
    private readonly taskHub: string,
    private readonly log: (line: string) => void,
  ) {}

  /** The base URL the durable client is given; the secret segment is part of it. */
  get rpcBaseUrl(): string {
    return this.baseUrl;
  }

  async listen(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.log(`[durable api] ${request.method} ${request.url}: ${String(error)}`);
        if (!response.headersSent) send(response, 500, { error: "internal error; see the host log" });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${this.secret}/durabletask/`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** What the extension hands the worker for a durableClient input binding. */
  clientBindingData(): Record<string, unknown> {
    const base = "http://localhost:7071/runtime/webhooks/durabletask";
    const query = `taskHub=${this.taskHub}&connection=Storage`;
    const instance = `${base}/instances/INSTANCEID`;
    return {
      taskHubName: this.taskHub,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}`,
      },
      managementUrls: {
        id: "INSTANCEID",
        statusQueryGetUri: `${instance}?${query}`,
        sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
        terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
        rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
        purgeHistoryDeleteUri: `${instance}?${query}`,
        restartPostUri: `${instance}/restart?${query}`,
        suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
        resumePostUri: `${instance}/resume?reason={text}&${query}`,
      },
      baseUrl: base,
      requiredQueryStringParameters: "",
      rpcBaseUrl: this.baseUrl,
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const prefix = `/${this.secret}/durabletask/`;
    if (!url.pathname.startsWith(prefix)) return send(response, 404, { error: "not found" });
    const path = url.pathname.slice(prefix.length).split("/").map(decodeURIComponent);
    const method = request.method ?? "GET";

    if (method === "POST" && path[0] === "orchestrators" && path[1]) {
      const instanceId = path[2] ?? randomUUID().replace(/-/g, "");
      const status = this.engine.getStatus(instanceId);
      if (status?.runtimeStatus === "Running")
        return send(response, 409, { error: `instance ${instanceId} is already running` });
      const input = await readJson(request);
      await this.engine.startNew(path[1], instanceId, input);
      return send(response, 202, { id: instanceId, ...this.links(instanceId) });
    }
    if (path[0] !== "instances" || !path[1])
      return send(response, 404, { error: `unsupported ${method} ${url.pathname}` });
    const instanceId = path[1];
    if (method === "GET" && path.length === 2) {
      const status = this.engine.getStatus(instanceId);
      if (!status) return send(response, 404);
      return send(response, status.runtimeStatus === "Running" ? 202 : 200, status);
    }
    if (method === "POST" && path[2] === "raiseEvent" && path[3]) {
      const outcome = await this.engine.raiseEvent(instanceId, path[3], await readJson(request));
      return send(response, { delivered: 202, "not-running": 410, "not-found": 404 }[outcome]);
    }
    if (method === "POST" && path[2] === "terminate") {
      const outcome = await this.engine.terminate(instanceId, url.searchParams.get("reason") ?? "");
      return send(response, { terminated: 202, "not-running": 410, "not-found": 404 }[outcome]);
    }
    return send(response, 404, { error: `unsupported ${method} ${url.pathname}` });
  }

  private links(instanceId: string): Record<string, string> {
    const { managementUrls } = this.clientBindingData() as { managementUrls: Record<string, string> };
    return {
      statusQueryGetUri: managementUrls.statusQueryGetUri!.replace("INSTANCEID", instanceId),
      sendEventPostUri: managementUrls.sendEventPostUri!.replace("INSTANCEID", instanceId),
      terminatePostUri: managementUrls.terminatePostUri!.replace("INSTANCEID", instanceId),
    };
  }
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  response.writeHead(status, body === undefined ? {} : { "Content-Type": "application/json" });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as unknown) : undefined;
}
