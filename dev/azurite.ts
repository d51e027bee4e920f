// Starts Azurite's Table service as a child process on a free loopback port, for tests and
// the offline host. Azurite listens for "shutdown" on its IPC channel; SIGINT alone can hang it.
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";

const require = createRequire(import.meta.url);

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Persist under this folder; in memory when absent. */
  readonly location?: string;
  readonly port?: number;
  readonly startTimeoutMs?: number;
}

export interface RunningAzurite {
  readonly tableEndpoint: string;
  readonly connectionString: string;
  stop(): Promise<void>;
}

export function azuriteConnectionString(tableEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${tableEndpoint};`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const port = options.port ?? (await freePort());
  const args = ["--tableHost", "127.0.0.1", "--tablePort", String(port), "--disableTelemetry", "--skipApiVersionCheck", "--loose"];
  args.push(...(options.location ? ["--location", options.location] : ["--inMemoryPersistence"]));
  const child = fork(require.resolve("azurite/dist/src/table/main.js"), args, { stdio: ["ignore", "pipe", "pipe", "ipc"] });
  await waitForStart(child, options.startTimeoutMs ?? 20_000);
  const tableEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return { tableEndpoint, connectionString: azuriteConnectionString(tableEndpoint), stop: () => stop(child) };
}

function waitForStart(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("successfully started")) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null) => fail(new Error(`Azurite exited with ${code} before starting:\n${output}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      // Keep draining its output so a chatty Azurite never blocks on a full pipe.
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
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    if (child.connected) {
      child.send("shutdown");
      // Azurite closes its server on "shutdown" but may keep the process alive; end it once closed.
      setTimeout(() => child.kill("SIGTERM"), 1_000).unref();
    } else {
      child.kill("SIGTERM");
    }
  });
}
