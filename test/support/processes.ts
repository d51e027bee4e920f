// Child processes for end-to-end tests: the offline host and npm start, as a user runs them.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
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
