// npm start's dev stack (dist/dev/start.js, built by the global setup; `npm start` itself is run in
// offlineHost.test.ts) and its Azurite: however the stack ends, Azurite is gone afterwards, its
// ports are free and its last writes are saved; and it never runs on ports held by something that
// does not answer as Azurite.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { describe, expect, it, vi } from "vitest";
import { azuriteConnectionString, isListening, startAzurite, type AzuritePorts } from "../../dev/azurite.js";
import { eventually, freePort, run, type RunningProcess } from "../support/processes.js";
import { api, cleanups } from "./offlineHosts.js";

// Each starts and stops a whole dev stack and may wait for Azurite's clean shutdown: on a loaded
// two-core machine that is more than the default 30 s.
vi.setConfig({ testTimeout: 60_000 });

/** Loaded into the stack's process: SIGUSR2 makes it fail or end the way named (an outside kill cannot). */
const ON_USR2 = {
  "an uncaught exception": `process.on("SIGUSR2", () => { throw new Error("boom"); });`,
  "a normal exit": `process.on("SIGUSR2", () => process.exit(0));`,
  "an unhandled rejection": `process.on("SIGUSR2", () => void Promise.reject(new Error("floating")));`,
};

interface Stack {
  readonly process: RunningProcess;
  readonly azuritePid: number;
  readonly ports: AzuritePorts & { readonly api: number };
  readonly location: string;
}

async function freePorts(): Promise<Stack["ports"]> {
  return { api: await freePort(), blob: await freePort(), queue: await freePort(), table: await freePort() };
}

function stackEnv(ports: Stack["ports"], location: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(ports.api),
    AZURITE_BLOB_PORT: String(ports.blob),
    AZURITE_QUEUE_PORT: String(ports.queue),
    AZURITE_TABLE_PORT: String(ports.table),
    AZURITE_LOCATION: location,
    BREAKGLASS_HOST: "offline",
  };
  delete env.AzureWebJobsStorage;
  return env;
}

function dataFolder(): string {
  const location = mkdtempSync(join(tmpdir(), "breakglass-stack-"));
  cleanups.push(async () => rmSync(location, { recursive: true, force: true }));
  return location;
}

/** The stack's process; in a process group of its own when `grouped`, as a terminal would start it. */
function startProcess(ports: Stack["ports"], location: string, preload?: string, grouped = false): RunningProcess {
  const nodeArgs = preload ? ["--import", `data:text/javascript,${encodeURIComponent(preload)}`] : [];
  const started = run(process.execPath, [...nodeArgs, "dist/dev/start.js"], stackEnv(ports, location), grouped);
  cleanups.push(() => started.stop("SIGKILL", grouped));
  return started;
}

async function startStack(preload?: string, grouped = false): Promise<Stack> {
  const [ports, location] = [await freePorts(), dataFolder()];
  const started = startProcess(ports, location, preload, grouped);
  const [, pid] = await started.waitFor(/started Azurite \(pid (\d+)/, 20_000);
  cleanups.push(async () => alive(Number(pid)) && process.kill(Number(pid), "SIGKILL")); // should a test fail
  await started.waitFor(/\[start\] API on/, 20_000);
  return { process: started, azuritePid: Number(pid), ports, location };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie has exited and holds nothing; it waits for a slow init to collect its status.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

async function expectNothingLeft(stack: Stack): Promise<void> {
  await eventually(
    async () => {
      expect(alive(stack.azuritePid)).toBe(false);
      for (const port of Object.values(stack.ports)) expect(await isListening(port)).toBe(false);
    },
    20_000, // Azurite's own clean shutdown, which may take seconds on a loaded machine
    100,
  );
}

/** A row written to the stack's Azurite just now, well inside Azurite's 5-second autosave. */
async function writeRow(stack: Stack): Promise<void> {
  const table = TableClient.fromConnectionString(azuriteConnectionString(stack.ports), "lastwrites", {
    allowInsecureConnection: true,
  });
  await table.createTable();
  await table.createEntity({ partitionKey: "p", rowKey: "r", written: "before the end" });
}

/** The row again, from a fresh Azurite on the stack's data folder. */
async function rowAfterRestart(stack: Stack): Promise<unknown> {
  const azurite = await startAzurite({ location: stack.location });
  try {
    const table = TableClient.fromConnectionString(azurite.connectionString, "lastwrites", {
      allowInsecureConnection: true,
    });
    return (await table.getEntity("p", "r")).written;
  } finally {
    await azurite.stop();
  }
}

describe.sequential("npm start's dev stack and its Azurite", () => {
  it.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)(
    "%s: Azurite is stopped cleanly (its last writes saved), its ports freed",
    async (signal) => {
      const stack = await startStack();
      await writeRow(stack);
      expect(await stack.process.stop(signal)).toBe(0);
      expect(stack.process.output()).toContain(`[start] ${signal}: stopping`);
      await expectNothingLeft(stack);
      expect(await rowAfterRestart(stack)).toBe("before the end");
    },
  );

  it.each([
    ["its process", false],
    ["its whole process group", true],
  ] as const)(
    "kill -9 of %s: Azurite sees its starter gone and shuts down, saving its last writes",
    async (_, group) => {
      const stack = await startStack(undefined, group);
      await writeRow(stack);
      await stack.process.stop("SIGKILL", group);
      await expectNothingLeft(stack);
      expect(await rowAfterRestart(stack)).toBe("before the end");
    },
  );

  it.each(["an uncaught exception", "a normal exit"] as const)("%s: nothing is left behind", async (ending) => {
    const stack = await startStack(ON_USR2[ending]);
    expect(await stack.process.stop("SIGUSR2")).toBe(ending === "a normal exit" ? 0 : 1);
    if (ending === "an uncaught exception")
      expect(stack.process.output()).toMatch(/\[start\] uncaught Error: boom[\s\S]*uncaught exception: stopping/);
    await expectNothingLeft(stack);
  });

  it("an unhandled rejection is logged, and the stack keeps serving", async () => {
    const stack = await startStack(ON_USR2["an unhandled rejection"]);
    stack.process.child.kill("SIGUSR2");
    await stack.process.waitFor(/\[start\] unhandled rejection: Error: floating/, 5_000);
    expect(await api(`http://127.0.0.1:${stack.ports.api}`).call("GET", "/api/health")).toMatchObject({ status: 200 });
    expect(await stack.process.stop("SIGTERM")).toBe(0);
    await expectNothingLeft(stack);
  });

  it("ports held by something that does not answer as Azurite: refuses to start, and says what holds which", async () => {
    const ports = await freePorts();
    const held = new Set<Socket>();
    const hung = createTcpServer((socket) => held.add(socket)); // accepts, never answers
    const [web, web2] = [0, 1].map(() => createHttpServer((_, response) => response.end("hello"))) as [
      HttpServer,
      HttpServer,
    ];
    await Promise.all([listening(hung, ports.blob), listening(web, ports.queue), listening(web2, ports.table)]);
    cleanups.push(async () => {
      held.forEach((socket) => socket.destroy());
      [web, web2].forEach((server) => server.closeAllConnections());
      await Promise.all([hung, web, web2].map((server) => new Promise((resolve) => server.close(resolve))));
    });
    const started = startProcess(ports, dataFolder());
    expect(await started.exited).toBe(1);
    const output = started.output();
    expect(output).toContain(
      "[start] could not start: Azurite's ports are in use, and not all by an Azurite that npm start can talk to",
    );
    expect(output).toContain(`blob port ${ports.blob}: it accepts connections but did not answer within 2000 ms`);
    expect(output).toContain(`queue port ${ports.queue}: it answered HTTP 200, not as Azurite`);
    expect(output).toContain(`table port ${ports.table}: it did not answer as Azurite: `);
    expect(output).not.toMatch(/started Azurite/);
  });

  it("an Azurite already answering on the ports is reused, and left running when the stack stops", async () => {
    const ports = await freePorts();
    const azurite = await startAzurite({ ports });
    cleanups.push(() => azurite.stop());
    const started = startProcess(ports, dataFolder());
    await started.waitFor(/\[start\] API on/, 20_000);
    expect(started.output()).toContain(
      `storage: reusing the Azurite already answering on ports ${ports.blob}, ${ports.queue} and ${ports.table}`,
    );
    expect(await api(`http://127.0.0.1:${ports.api}`).call("GET", "/api/health")).toMatchObject({ status: 200 });
    expect(await started.stop("SIGTERM")).toBe(0);
    expect(await isListening(ports.table)).toBe(true);
  });
});

function listening(server: Server, port: number): Promise<void> {
  return new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
}
