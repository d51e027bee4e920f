// npm start: the whole product on one machine. Starts Azurite (or reuses one already listening
// that answers as Azurite), then the app — under Azure Functions Core Tools when `func` is
// installed and BREAKGLASS_HOST is not "offline", else under the offline host. Simulation mode
// with short dev limits is the default; every variable of the environment overrides it. Ctrl-C,
// SIGTERM, SIGHUP or an uncaught error stop everything it started, last started first.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AZURITE_DEFAULT_PORTS,
  azuriteConnectionString,
  probeAzurite,
  startAzurite,
  type AzuritePorts,
  type AzuriteService,
  type PortFinding,
  type RunningAzurite,
} from "./azurite.js";
import { usesIdentityStorage } from "../src/app/storageConfig.js";
import { DEFAULT_PORT, logUnhandledRejections, runOfflineHost, stopBeforeExit } from "./host/main.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const log = (line: string) => console.log(`[start] ${line}`);

/** How to stop what this process started, in the order it started them. */
const started: (() => Promise<void>)[] = [];
let stopping: Promise<void> | undefined;

/** Stops what started, last first; once, however many ways the end comes. */
function stopStarted(): Promise<void> {
  stopping ??= (async () => {
    while (started.length) await started.pop()!().catch((error: unknown) => log(`while stopping: ${String(error)}`));
  })();
  return stopping;
}

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

  stopBeforeExit(stopStarted, log); // before anything starts: a signal while starting stops what started
  logUnhandledRejections(log);
  const azurite = await ensureStorage(env);
  if (azurite) started.push(() => azurite.stop());
  if (useFunc) {
    const func = runCoreTools(env);
    started.push(() => stopChild(func));
    func.once("exit", (code) => void stopStarted().finally(() => process.exit(code ?? 0)));
    return;
  }
  Object.assign(process.env, env); // the app reads its configuration from process.env
  const host = await runOfflineHost(process.env, (line) => console.log(`[host] ${line}`));
  started.push(() => host.stop());
  log(`API on ${host.url}/api — try: curl -s ${host.url}/api/health`);
}

function hasCoreTools(): boolean {
  return spawnSync("func", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Storage for the app: the AzureWebJobsStorage given, or Azurite on its usual ports (env
 * AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT), reusing one already there when it
 * answers as Azurite on all three. Returns the Azurite this started, to stop it again.
 */
async function ensureStorage(env: NodeJS.ProcessEnv): Promise<RunningAzurite | undefined> {
  if (env.AzureWebJobsStorage && !/UseDevelopmentStorage=true/i.test(env.AzureWebJobsStorage)) {
    log("storage: AzureWebJobsStorage from the environment");
    return undefined;
  }
  if (usesIdentityStorage(env)) {
    log("storage: the identity-based AzureWebJobsStorage__* settings from the environment");
    return undefined;
  }
  const ports: AzuritePorts = {
    blob: Number(env.AZURITE_BLOB_PORT ?? AZURITE_DEFAULT_PORTS.blob),
    queue: Number(env.AZURITE_QUEUE_PORT ?? AZURITE_DEFAULT_PORTS.queue),
    table: Number(env.AZURITE_TABLE_PORT ?? AZURITE_DEFAULT_PORTS.table),
  };
  env.AzureWebJobsStorage = azuriteConnectionString(ports);
  const findings = await probeAzurite(ports);
  const kinds = new Set(Object.values(findings).map((finding) => finding.kind));
  if (kinds.size === 1 && kinds.has("azurite")) {
    log(`storage: reusing the Azurite already answering on ports ${ports.blob}, ${ports.queue} and ${ports.table}`);
    return undefined;
  }
  if (kinds.size > 1 || !kinds.has("free")) throw new Error(portsTaken(ports, findings));
  const location = resolve(root, env.AZURITE_LOCATION ?? ".azurite");
  const azurite = await startAzurite({ location, ports });
  log(
    `storage: started Azurite (pid ${azurite.pid}; blob ${ports.blob}, queue ${ports.queue}, table ${ports.table}), data in ${location}`,
  );
  return azurite;
}

/**
 * Why npm start will not run on these ports. It does not move to free ones instead: whatever holds
 * them may be an Azurite that still writes the same data folder (a second one there could corrupt
 * it), and tools pointed at the usual ports would quietly see other data.
 */
function portsTaken(ports: AzuritePorts, findings: Record<AzuriteService, PortFinding>): string {
  const lines = (Object.entries(findings) as [AzuriteService, PortFinding][]).map(
    ([service, finding]) => `  ${service} port ${ports[service]}: ${"what" in finding ? finding.what : finding.kind}`,
  );
  return [
    "Azurite's ports are in use, and not all by an Azurite that npm start can talk to:",
    ...lines,
    "Stop whatever holds them (lsof -i :PORT shows it), or move Azurite with AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT and AZURITE_TABLE_PORT.",
  ].join("\n");
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
  void stopStarted().finally(() => process.exit(1));
});
