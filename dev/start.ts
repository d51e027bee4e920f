// npm start: the whole product on one machine. Starts Azurite (or reuses one already listening),
// then the app — under Azure Functions Core Tools when `func` is installed and BREAKGLASS_HOST is
// not "offline", else under the offline host. Simulation mode with short dev limits is the
// default; every variable of the environment overrides it. Ctrl-C stops everything it started.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AZURITE_DEFAULT_PORTS,
  azuriteConnectionString,
  isListening,
  startAzurite,
  type AzuritePorts,
  type RunningAzurite,
} from "./azurite.js";
import { DEFAULT_PORT, stopBeforeExit, runOfflineHost } from "./host/main.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const log = (line: string) => console.log(`[start] ${line}`);

/** What a first run wants: the simulated world, windows short enough to watch a whole cycle. */
export const DEV_DEFAULTS: Readonly<Record<string, string>> = {
  BREAKGLASS_MODE: "simulation",
  BREAKGLASS_MIN_DURATION: "PT10S",
  BREAKGLASS_APPROVAL_TIMEOUT: "PT2M",
};

async function main(): Promise<void> {
  const port = process.env.PORT ?? String(DEFAULT_PORT);
  // Links in notifications point at this host, wherever PORT puts it.
  const env: NodeJS.ProcessEnv = {
    ...DEV_DEFAULTS,
    BREAKGLASS_PUBLIC_BASE_URL: `http://localhost:${port}`,
    ...process.env,
    PORT: port,
  };
  const useFunc = env.BREAKGLASS_HOST !== "offline" && hasCoreTools();
  log(
    useFunc
      ? "using Azure Functions Core Tools (func start); set BREAKGLASS_HOST=offline for the offline host"
      : `using the offline host (${env.BREAKGLASS_HOST === "offline" ? "BREAKGLASS_HOST=offline" : "Azure Functions Core Tools not found"})`,
  );
  log(
    `mode: ${env.BREAKGLASS_MODE}${env.BREAKGLASS_MODE === "simulation" ? " (simulated AKS, Entra and mail; no Azure needed)" : ""}`,
  );

  const azurite = await ensureStorage(env);
  const stopAzurite = async () => azurite?.stop();
  try {
    if (useFunc) {
      const func = runCoreTools(env);
      stopBeforeExit(async () => {
        await stopChild(func);
        await stopAzurite();
      }, log);
      func.once("exit", (code) => void stopAzurite().finally(() => process.exit(code ?? 0)));
      return;
    }
    Object.assign(process.env, env); // the app reads its configuration from process.env
    const host = await runOfflineHost(process.env, (line) => console.log(`[host] ${line}`));
    log(`API on ${host.url}/api — try: curl -s ${host.url}/api/health`);
    stopBeforeExit(async () => {
      await host.stop();
      await stopAzurite();
    }, log);
  } catch (error) {
    await stopAzurite();
    throw error;
  }
}

function hasCoreTools(): boolean {
  return spawnSync("func", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Storage for the app: the AzureWebJobsStorage given, or Azurite on its usual ports (env
 * AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT), reusing one already listening.
 * Returns the Azurite this started, to stop it again.
 */
async function ensureStorage(env: NodeJS.ProcessEnv): Promise<RunningAzurite | undefined> {
  if (env.AzureWebJobsStorage && !/UseDevelopmentStorage=true/i.test(env.AzureWebJobsStorage)) {
    log("storage: AzureWebJobsStorage from the environment");
    return undefined;
  }
  const ports: AzuritePorts = {
    blob: Number(env.AZURITE_BLOB_PORT ?? AZURITE_DEFAULT_PORTS.blob),
    queue: Number(env.AZURITE_QUEUE_PORT ?? AZURITE_DEFAULT_PORTS.queue),
    table: Number(env.AZURITE_TABLE_PORT ?? AZURITE_DEFAULT_PORTS.table),
  };
  env.AzureWebJobsStorage = azuriteConnectionString(ports);
  if (await isListening(ports.table)) {
    log(`storage: reusing the Azurite already listening on port ${ports.table}`);
    return undefined;
  }
  const location = resolve(root, env.AZURITE_LOCATION ?? ".azurite");
  const azurite = await startAzurite({ location, ports });
  log(`storage: started Azurite (blob ${ports.blob}, queue ${ports.queue}, table ${ports.table}), data in ${location}`);
  return azurite;
}

function runCoreTools(env: NodeJS.ProcessEnv): ChildProcess {
  const settings = resolve(root, "local.settings.json");
  if (!existsSync(settings)) {
    copyFileSync(resolve(root, "local.settings.sample.json"), settings);
    log("created local.settings.json from local.settings.sample.json");
  }
  return spawn("func", ["start", "--port", env.PORT!], { cwd: root, env, stdio: "inherit" });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    child.once("exit", () => resolveStop());
    child.kill("SIGINT");
    setTimeout(() => child.kill("SIGKILL"), 8_000).unref();
  });
}

main().catch((error: unknown) => {
  console.error(`[start] could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
