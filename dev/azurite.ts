// Starts Azurite (blob, queue and table; Durable Functions under Core Tools needs all three) as a
// child process on loopback, for tests, the offline host and npm start. Port 0 picks free ports;
// the ones Azurite actually took are read from what it prints. Azurite listens for "shutdown"
// on its IPC channel; SIGINT alone can leave it hanging, so stop() escalates. It never outlives
// the process that started it, and probeAzurite() tells an Azurite on the ports from anything else.
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { TableServiceClient } from "@azure/data-tables";

const require = createRequire(import.meta.url);

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
export const AZURITE_DEFAULT_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;

export type AzuriteService = keyof typeof AZURITE_DEFAULT_PORTS;
export type AzuritePorts = Record<AzuriteService, number>;

export interface AzuriteOptions {
  /** Persist under this folder; in memory when absent. */
  readonly location?: string;
  /** 0 (the default) lets the system choose. */
  readonly ports?: Partial<AzuritePorts>;
  readonly startTimeoutMs?: number;
  /** Serve HTTPS with this PEM certificate and key (OAuth needs it: Azurite refuses bearer tokens over HTTP). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Accept bearer tokens (`--oauth basic`: any well-formed Entra-shaped JWT for storage, signature unchecked). */
  readonly oauth?: boolean;
}

/**
 * Loaded into the Azurite process before Azurite itself. When the process that started it goes
 * away, even killed with -9, the IPC channel closes: Azurite then shuts down as if told to, which
 * saves its tables (it saves them only every 5 s otherwise), and exits within 15 s in any case
 * (a clean shutdown on a loaded machine can take several seconds; cutting it short loses the save).
 * Before Azurite is listening there is nothing to save. The channel is polled, not listened to:
 * a "disconnect" listener would keep the process alive after a shutdown its parent asked for. Its
 * output pipes are gone with the parent, and a write to them must not crash it before it saves.
 */
const EXIT_WITH_PARENT = `const watch = setInterval(() => {
  if (process.connected) return;
  clearInterval(watch);
  process.stdout.on("error", () => undefined);
  process.stderr.on("error", () => undefined);
  if (process.listenerCount("message") === 0) process.exit(0);
  setTimeout(() => process.exit(0), 15000).unref();
  process.emit("message", "shutdown");
}, 250);
watch.unref();`;

export interface RunningAzurite {
  readonly pid: number;
  readonly ports: AzuritePorts;
  readonly connectionString: string;
  readonly serviceUris: Record<AzuriteService, string>;
  stop(): Promise<void>;
}

/** Each service's endpoint on loopback: the service URI an identity-based client is given. */
export function azuriteServiceUris(ports: AzuritePorts, secure = false): Record<AzuriteService, string> {
  const endpoint = (port: number) => `${secure ? "https" : "http"}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return { blob: endpoint(ports.blob), queue: endpoint(ports.queue), table: endpoint(ports.table) };
}

/** A connection string naming each service's endpoint on loopback. */
export function azuriteConnectionString(ports: AzuritePorts, secure = false): string {
  const uris = azuriteServiceUris(ports, secure);
  return (
    `DefaultEndpointsProtocol=${secure ? "https" : "http"};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${uris.blob};QueueEndpoint=${uris.queue};TableEndpoint=${uris.table};`
  );
}

/** Whether something accepts connections on the loopback port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export type PortFinding = { readonly kind: "free" | "azurite" } | { readonly kind: "other"; readonly what: string };

/**
 * What listens on each of Azurite's ports: nothing, Azurite (the table service answers a real,
 * signed query with the well-known account; blob and queue answer as Azurite), or something else —
 * including a listener that accepts connections but does not answer within `timeoutMs`.
 */
export async function probeAzurite(
  ports: AzuritePorts,
  timeoutMs = 2_000,
): Promise<Record<AzuriteService, PortFinding>> {
  const probe = async (service: AzuriteService): Promise<PortFinding> => {
    if (!(await isListening(ports[service]))) return { kind: "free" };
    try {
      return service === "table" ? await probeTables(ports, timeoutMs) : await probeService(service, ports, timeoutMs);
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
        return { kind: "other", what: `it accepts connections but did not answer within ${timeoutMs} ms` };
      const message = error instanceof Error ? error.message : String(error);
      return { kind: "other", what: `it did not answer as Azurite: ${message.replace(/\s+/g, " ").slice(0, 160)}` };
    }
  };
  const [blob, queue, table] = await Promise.all((["blob", "queue", "table"] as const).map(probe));
  return { blob: blob!, queue: queue!, table: table! };
}

async function probeTables(ports: AzuritePorts, timeoutMs: number): Promise<PortFinding> {
  const client = TableServiceClient.fromConnectionString(azuriteConnectionString(ports), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  await client
    .listTables({ abortSignal: AbortSignal.timeout(timeoutMs) })
    .byPage({ maxPageSize: 1 })
    .next();
  return { kind: "azurite" };
}

async function probeService(service: AzuriteService, ports: AzuritePorts, timeoutMs: number): Promise<PortFinding> {
  const response = await fetch(`http://127.0.0.1:${ports[service]}/${AZURITE_ACCOUNT}?comp=list`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.body?.cancel();
  const server = response.headers.get("server") ?? "";
  const name = `Azurite-${service[0]!.toUpperCase()}${service.slice(1)}/`;
  return server.startsWith(name)
    ? { kind: "azurite" }
    : { kind: "other", what: `it answered HTTP ${response.status}${server ? ` as ${server}` : ""}, not as Azurite` };
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const ports = { blob: 0, queue: 0, table: 0, ...options.ports };
  const args = [
    ...["--blobHost", "127.0.0.1", "--blobPort", String(ports.blob)],
    ...["--queueHost", "127.0.0.1", "--queuePort", String(ports.queue)],
    ...["--tableHost", "127.0.0.1", "--tablePort", String(ports.table)],
    ...["--disableTelemetry", "--skipApiVersionCheck", "--loose"],
    ...(options.location ? ["--location", options.location] : ["--inMemoryPersistence"]),
    ...(options.tls ? ["--cert", options.tls.certFile, "--key", options.tls.keyFile] : []),
    ...(options.oauth ? ["--oauth", "basic"] : []),
  ];
  const child = fork(require.resolve("azurite/dist/src/azurite.js"), args, {
    execArgv: [...process.execArgv, "--import", `data:text/javascript,${encodeURIComponent(EXIT_WITH_PARENT)}`],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    // Its own process group: a Ctrl-C or a kill of the starter's group reaches the starter, which
    // stops Azurite in order (or Azurite sees it gone), instead of Azurite dying mid-write.
    detached: process.platform !== "win32",
  });
  const actual = await waitForStart(child, options.startTimeoutMs ?? 30_000);
  const secure = options.tls !== undefined;
  return {
    pid: child.pid!,
    ports: actual,
    connectionString: azuriteConnectionString(actual, secure),
    serviceUris: azuriteServiceUris(actual, secure),
    stop: () => stop(child),
  };
}

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at https?:\/\/[^:]+:(\d+)/g;

function waitForStart(child: ChildProcess, timeoutMs: number): Promise<AzuritePorts> {
  return new Promise((resolve, reject) => {
    let output = "";
    const found: Partial<AzuritePorts> = {};
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const [, service, port] of output.matchAll(LISTENING))
        found[service!.toLowerCase() as AzuriteService] = Number(port);
      if (found.blob && found.queue && found.table) {
        cleanup();
        resolve(found as AzuritePorts);
      }
    };
    const onExit = (code: number | null) =>
      fail(new Error(`Azurite exited with ${code} before it started:\n${output}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      // Keep draining its output so that a chatty Azurite never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    const fail = (error: Error) => {
      cleanup();
      child.kill("SIGKILL");
      reject(error);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", onExit);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const terminate = setTimeout(() => child.kill("SIGTERM"), 2_000);
    const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(terminate);
      clearTimeout(kill);
      resolve();
    });
    if (child.connected) child.send("shutdown");
    else child.kill("SIGTERM");
  });
}
