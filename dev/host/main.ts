// Runs the offline host: `node dist/dev/host/main.js` serves the built app from dist/functions
// with the environment as its configuration. npm start (dev/start.ts) uses runOfflineHost too.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { installFunctionsCore } from "../functionsCapture.js";
import type { OfflineHost } from "./offlineHost.js";

export const DEFAULT_PORT = 7071;

export async function runOfflineHost(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<OfflineHost> {
  // Before anything loads @azure/functions: it decides once whether a Functions host is there.
  installFunctionsCore();
  const { OfflineHost: Host } = await import("./offlineHost.js");
  return Host.start({
    functionsDir: resolve(dirname(fileURLToPath(import.meta.url)), "../../functions"),
    port: Number(env.PORT ?? DEFAULT_PORT),
    hostname: "127.0.0.1",
    storageConnectionString: env.AzureWebJobsStorage ?? "UseDevelopmentStorage=true",
    taskHub: env.TASKHUB_NAME ?? "breakglass",
    log,
  });
}

/** Stops `stop` on Ctrl-C or SIGTERM, once, then exits. */
export function exitOnSignal(stop: () => Promise<void>, log: (line: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    stop()
      .catch((error: unknown) => log(`while stopping: ${String(error)}`))
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const log = (line: string) => console.log(`[host] ${line}`);
  try {
    const host = await runOfflineHost(process.env, log);
    log(`offline host listening on ${host.url}/api`);
    exitOnSignal(() => host.stop(), log);
  } catch (error) {
    console.error(`[host] could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
