// Child processes for end-to-end tests: the offline host and npm start, as a user runs them.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { startAzurite, type RunningAzurite } from "../../dev/azurite.js";

export const ROOT = resolve(import.meta.dirname, "../..");

/**
 * A port for a child to listen on that nothing else takes before it does. Every `listen(0)` — the
 * HTTPS fakes, each host's Durable API — draws from the kernel's ephemeral range (32768 and up on
 * Linux), and test files run in parallel: a port found free there can be gone by the time the
 * child binds it. So ports come from below that range, a slice of its own for each test worker
 * (VITEST_POOL_ID), each handed out once per process and checked free.
 */
export async function freePort(): Promise<number> {
  const worker = Number(process.env.VITEST_POOL_ID ?? 0) % WORKER_SLICES;
  for (let tries = 0; tries < SLICE_PORTS; tries++) {
    const port = FIRST_PORT + worker * SLICE_PORTS + (handedOut++ % SLICE_PORTS);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port among worker ${worker}'s ${SLICE_PORTS}`);
}

const FIRST_PORT = 20_000;
const SLICE_PORTS = 2_000;
/** 20000 + 6 × 2000 stays below 32768, where the ephemeral range starts. */
const WORKER_SLICES = 6;
let handedOut = 0;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once("error", () => resolveFree(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code when the process exits (null after a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves when the output matches, rejects when the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends the signal (to the whole process group when `group`) and waits for the exit. */
  stop(signal?: NodeJS.Signals, group?: boolean): Promise<number | null>;
}

export function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  detached = false,
): RunningProcess {
  const child = spawn(command, args, { cwd: ROOT, env, detached, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolveMatch, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            clearInterval(poll);
            resolveMatch(match);
          } else if (child.exitCode !== null || Date.now() > deadline) {
            clearInterval(poll);
            reject(new Error(`no ${pattern} in the output of ${command} (exit ${child.exitCode}):\n${output}`));
          }
        };
        const deadline = Date.now() + timeoutMs;
        const poll = setInterval(check, 50);
        check();
      });
    },
    async stop(signal = "SIGINT", group = false) {
      if (child.exitCode === null && child.signalCode === null) {
        if (group) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
}

/** The offline host from the build (dist/), configured by `env` on top of this process's environment. */
export function startOfflineHost(env: Record<string, string>): RunningProcess {
  return run(process.execPath, ["dist/dev/host/main.js"], { ...process.env, ...env });
}

/** Polls until `check` passes or the time is up; returns its last value. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolveWait) => setTimeout(resolveWait, intervalMs));
    }
  }
}

export interface SimulationHost {
  readonly azurite: RunningAzurite;
  readonly host: RunningProcess;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  stop(): Promise<void>;
}

/** The settings of an offline host in simulation on `port`, its storage `connectionString`. */
export function simulationHostEnv(port: number, connectionString: string, taskHub: string): Record<string, string> {
  return {
    PORT: String(port),
    AzureWebJobsStorage: connectionString,
    TASKHUB_NAME: taskHub,
    BREAKGLASS_MODE: "simulation",
    BREAKGLASS_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    // Evidence waits for the simulated kube-audit log after every lockdown: the tests of it turn it on.
    BREAKGLASS_EVIDENCE: "off",
  };
}

/** An Azurite of its own and an offline host in simulation on it, for a whole test file. */
export async function startSimulationHost(taskHub: string, env: Record<string, string> = {}): Promise<SimulationHost> {
  const azurite = await startAzurite();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const host = startOfflineHost({ ...simulationHostEnv(port, azurite.connectionString, taskHub), ...env });
  await host.waitFor(/offline host listening on/);
  return {
    azurite,
    host,
    base,
    async stop() {
      await host.stop();
      await azurite.stop();
    },
  };
}
