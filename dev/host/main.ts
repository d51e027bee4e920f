// Runs the offline host: `node dist/dev/host/main.js` serves the built app from dist/functions
// with the environment as its configuration. npm start (dev/start.ts) uses runOfflineHost too.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_DEFAULTS } from "../../src/app/config.js";
import { tableAccountOf } from "../../src/app/tableAccount.js";
import { parseStorage } from "../../src/app/storageConfig.js";
import { installFunctionsCore } from "../functionsCapture.js";
import type { TableAccount } from "../../src/adapters/azure/tables.js";
import type { OfflineHost, OfflineHostOptions } from "./offlineHost.js";

export const DEFAULT_PORT = 7071;
/** Moves the host's 408 deadline for a request's headers and for its body (tests want it short). */
export const REQUEST_TIMEOUT_VARIABLE = "OFFLINE_HOST_REQUEST_TIMEOUT_MS";
/** Serves the compiled registrations of another copy of the app (an unzipped package), not this build's. */
export const FUNCTIONS_DIR_VARIABLE = "OFFLINE_HOST_FUNCTIONS_DIR";

/** The host's options from the environment; a setting it cannot use is an error, not a default. */
export function offlineHostOptions(env: NodeJS.ProcessEnv, log: (line: string) => void): OfflineHostOptions {
  const timeout = env[REQUEST_TIMEOUT_VARIABLE];
  if (timeout !== undefined && !/^[1-9]\d*$/.test(timeout))
    throw new Error(`${REQUEST_TIMEOUT_VARIABLE} must be a whole number of milliseconds, not "${timeout}"`);
  return {
    functionsDir: resolve(
      env[FUNCTIONS_DIR_VARIABLE] ?? resolve(dirname(fileURLToPath(import.meta.url)), "../../functions"),
    ),
    port: Number(env.PORT ?? DEFAULT_PORT),
    hostname: "127.0.0.1",
    storage: storageOf(env),
    taskHub: env.TASKHUB_NAME ?? "breakglass",
    log,
    ...(timeout === undefined ? {} : { requestTimeoutMs: Number(timeout) }),
  };
}

/** The app's own storage settings, as the app reads them: Azurite's well-known account when none is given. */
function storageOf(env: NodeJS.ProcessEnv): TableAccount {
  const given = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => Boolean(entry[1]?.trim())),
  );
  const parsed = parseStorage(given, "the offline host", "UseDevelopmentStorage=true");
  if (!("storage" in parsed)) throw new Error(`storage settings: ${parsed.problems.join("; ")}`);
  return tableAccountOf(
    parsed.storage,
    {
      clientId: given.AZURE_CLIENT_ID,
      authorityHost: given.AZURE_AUTHORITY_HOST ?? CONFIG_DEFAULTS.AZURE_AUTHORITY_HOST,
    },
    env,
  );
}

export async function runOfflineHost(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<OfflineHost> {
  const options = offlineHostOptions(env, log);
  log(`functions from ${options.functionsDir}`);
  // Before anything loads @azure/functions: it decides once whether a Functions host is there.
  installFunctionsCore();
  const { OfflineHost: Host } = await import("./offlineHost.js");
  return Host.start(options);
}

/**
 * Runs `stop` once, then exits: 0 after Ctrl-C, SIGTERM or SIGHUP (a closed terminal), 1 after an
 * uncaught exception — so that what this process started never outlives it.
 */
export function stopBeforeExit(stop: () => Promise<void>, log: (line: string) => void): void {
  let stopping = false;
  const stopAndExit = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    stop()
      .catch((error: unknown) => log(`while stopping: ${String(error)}`))
      .finally(() => process.exit(code));
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stopAndExit(signal, 0));
  process.on("uncaughtException", (error) => {
    log(`uncaught ${described(error)}`);
    stopAndExit("uncaught exception", 1);
  });
}

/**
 * Logs a rejection nobody handled instead of dying of it. Requests never leave one (the host
 * awaits every handler); one is a promise the app left floating, and every open window's timer
 * would stop with the process. An uncaught exception still stops it (stopBeforeExit): a throw
 * that unwound a callback half-way leaves state nobody can vouch for.
 */
export function logUnhandledRejections(log: (line: string) => void): void {
  process.on("unhandledRejection", (reason) => log(`unhandled rejection: ${described(reason)}`));
}

function described(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const log = (line: string) => console.log(`[host] ${line}`);
  try {
    const host = await runOfflineHost(process.env, log);
    log(`offline host listening on ${host.url}/api`);
    stopBeforeExit(() => host.stop(), log);
    logUnhandledRejections(log);
  } catch (error) {
    console.error(`[host] could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
