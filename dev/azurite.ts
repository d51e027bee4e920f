// Starts Azurite (blob, queue and table; Durable Functions under Core Tools needs all three) as a
// child process on loopback, for tests, the offline host and npm start. Port 0 picks free ports;
// the ones Azurite actually took are read from what it prints. Azurite listens for "shutdown"
// on its IPC channel; SIGINT alone can leave it hanging, so stop() escalates.
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { connect } from "node:net";

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
}

export interface RunningAzurite {
  readonly pid: number;
  readonly ports: AzuritePorts;
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** A connection string naming each service's endpoint on loopback. */
export function azuriteConnectionString(ports: AzuritePorts): string {
  const endpoint = (port: number) => `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${endpoint(ports.blob)};QueueEndpoint=${endpoint(ports.queue)};TableEndpoint=${endpoint(ports.table)};`
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

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const ports = { blob: 0, queue: 0, table: 0, ...options.ports };
  const args = [
    ...["--blobHost", "127.0.0.1", "--blobPort", String(ports.blob)],
    ...["--queueHost", "127.0.0.1", "--queuePort", String(ports.queue)],
    ...["--tableHost", "127.0.0.1", "--tablePort", String(ports.table)],
    ...["--disableTelemetry", "--skipApiVersionCheck", "--loose"],
    ...(options.location ? ["--location", options.location] : ["--inMemoryPersistence"]),
  ];
  const child = fork(require.resolve("azurite/dist/src/azurite.js"), args, {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const actual = await waitForStart(child, options.startTimeoutMs ?? 30_000);
  return { pid: child.pid!, ports: actual, connectionString: azuriteConnectionString(actual), stop: () => stop(child) };
}

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g;

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
