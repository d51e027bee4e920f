// `breakglass` as people run it: the built command in child processes, against the offline host in
// simulation over real HTTP and in real time, with short windows. One host for the file; each test
// uses requesters and clusters the others leave alone (one live request per requester and cluster).
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { answerLosingProxy } from "../support/answerLosingProxy.js";
import { eventually, ROOT, startSimulationHost, type SimulationHost } from "../support/processes.js";
import { api, type Api } from "./offlineHosts.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const ESC = "\u001b";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";

let stack: SimulationHost;
let base: string;
let client: Api;

beforeAll(async () => {
  // Evidence on, as npm start runs: the README's walkthrough is run here verbatim.
  stack = await startSimulationHost("clitest", {
    BREAKGLASS_MIN_DURATION: "PT10S",
    // Long enough for bob's three npx calls in the walkthrough on a loaded 2-core runner; the
    // expiry test below waits it out once.
    BREAKGLASS_APPROVAL_TIMEOUT: "PT20S",
    BREAKGLASS_EVIDENCE: "on",
  });
  base = stack.base;
  client = api(base);
});

afterAll(async () => {
  await stack?.stop();
});

interface Finished {
  readonly status: number | null;
  readonly out: string;
  readonly err: string;
}

interface Running {
  readonly finished: Promise<Finished>;
  readonly err: () => string;
  readonly interrupt: () => void;
}

/** `breakglass --user <user> …args` from the checkout's launcher, as `npx breakglass` runs it. */
function breakglass(user: string, args: readonly string[], url = base): Running {
  const child = spawn(process.execPath, ["bin/breakglass.js", "--user", user, ...args], {
    cwd: ROOT,
    env: { ...process.env, BREAKGLASS_URL: url, TZ: "UTC" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return {
    finished: new Promise((resolve) => child.once("close", (status) => resolve({ status, out, err }))),
    err: () => err,
    interrupt: () => child.kill("SIGINT"),
  };
}

const run = (user: string, ...args: string[]) => breakglass(user, args).finished;

const ask = (user: string, cluster: string, ticket: string, ...more: string[]) => [
  "request",
  "--cluster",
  cluster,
  "--reason",
  "Entra sign-in is down",
  "--ticket",
  ticket,
  "--duration",
  "10s",
  ...more,
];

/** The id of the request `user` has waiting on `cluster`, once an approver can see it. */
async function pendingOf(upn: string, cluster: string): Promise<string> {
  return eventually(async () => {
    const listed = await run("bob@contoso.dev", "--json", "list", "--status", "pending-approval");
    expect(listed.status).toBe(0);
    const found = (JSON.parse(listed.out) as { id: string; clusterName: string; requester: { upn: string } }[]).find(
      (view) => view.requester.upn === upn && view.clusterName === cluster,
    );
    expect(found).toBeDefined();
    return found!.id;
  }, 20_000);
}

async function statusOf(id: string): Promise<string> {
  const shown = await run("bob@contoso.dev", "--json", "status", id);
  return (JSON.parse(shown.out) as { status: string }).status;
}

describe("breakglass against the offline host", () => {
  it("alice waits while bob approves from his terminal: exit 0 and the exact az line; then she closes it", async () => {
    const alice = breakglass("alice@contoso.dev", ask("alice@contoso.dev", "aks-prod-weu", "INC-1", "--wait"));
    const id = await pendingOf("alice@contoso.dev", "aks-prod-weu");
    const approved = await run("bob@contoso.dev", "approve", id);
    expect(approved).toMatchObject({ status: 0, err: "" });
    expect(approved.out).toMatch(new RegExp(`^approved ${id}: `));
    const waited = await alice.finished;
    expect(waited.status).toBe(0);
    expect(waited.out).toContain(
      `  az aks get-credentials --subscription ${SUBSCRIPTION} --resource-group rg-aks-prod --name aks-prod-weu --admin\n`,
    );
    expect(waited.out).toMatch(/until \d\d:\d\d UTC \(in \d+ seconds?\)/);
    expect(waited.out).toContain(`breakglass close ${id}`);
    expect(waited.err).toContain(`${id}: waiting for approval · 0 of 1 approvals`);
    expect(waited.err).not.toContain(ESC);
    const closed = await run("alice@contoso.dev", "close", id);
    expect(closed.status).toBe(0);
    expect(closed.out).toMatch(new RegExp(`^closing ${id}: local accounts are being disabled`));
    await eventually(async () => expect(await statusOf(id)).toBe("closed"), 20_000);
  });

  it("denied while waiting: exit 3 with the reason", async () => {
    const alice = breakglass("alice@contoso.dev", ask("alice@contoso.dev", "aks-prod-neu", "INC-2", "--wait"));
    const id = await pendingOf("alice@contoso.dev", "aks-prod-neu");
    expect((await run("bob@contoso.dev", "deny", id, "--reason", "use the runbook first")).status).toBe(0);
    const waited = await alice.finished;
    expect(waited.status).toBe(3);
    expect(waited.err).toMatch(/denied: .*use the runbook first/);
  });

  it("nobody approves: exit 4 when the request expires", async () => {
    const waited = await run("alice@contoso.dev", ...ask("alice@contoso.dev", "aks-prod-neu", "INC-3", "--wait"));
    expect(waited.status).toBe(4);
    expect(waited.err).toMatch(/expired/);
  }, 60_000);

  it("mallory, in neither group: exit 5 saying she is not in the emergency group", async () => {
    const refused = await run("mallory@contoso.dev", ...ask("mallory@contoso.dev", "aks-prod-weu", "INC-4"));
    expect(refused.status).toBe(5);
    expect(refused.err).toMatch(/^breakglass: not allowed: .*emergency group.*\n$/);
  });

  it("carol: --json carries the id; Ctrl-C leaves it pending; her own approval is exit 5; on a terminal the line is redrawn", async () => {
    const asked = await run("carol@contoso.dev", "--json", ...ask("carol@contoso.dev", "aks-prod-weu", "INC-5"));
    expect(asked.status).toBe(0);
    const created = JSON.parse(asked.out) as { id: string; status: string; idempotencyKey: string };
    expect(created).toMatchObject({ id: expect.stringMatching(/^bg-/), status: "pending-approval" });
    expect(created.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const { id } = created;

    const following = breakglass("carol@contoso.dev", ["status", id, "--wait"]);
    await eventually(async () => expect(following.err()).toContain("waiting for approval"), 10_000);
    following.interrupt();
    const stopped = await following.finished;
    expect(stopped.status).toBe(130);
    expect(stopped.err).toContain(`stopped waiting: ${id} is pending-approval and stays as it is.`);
    expect(await statusOf(id)).toBe("pending-approval");

    const own = await run("carol@contoso.dev", "approve", id);
    expect(own.status).toBe(5);
    expect(own.err).toMatch(/cannot decide your own request/);

    // The same follower on a pseudo-terminal (script(1)), and piped.
    const command = ["node", "bin/breakglass.js", "--user", "carol@contoso.dev", "status", id, "--wait"].join(" ");
    const onTerminal = spawnScript(command);
    const piped = breakglass("carol@contoso.dev", ["status", id, "--wait"]);
    // The line is redrawn in place at each poll: two different drawings of it before bob decides.
    const drawings = () =>
      new Set(
        onTerminal
          .output()
          .split(`\r${ESC}[2K`)
          .map((drawn) => drawn.trim())
          .filter((drawn) => drawn.includes(`${id}: waiting for approval`)),
      );
    await eventually(async () => expect(drawings().size).toBeGreaterThanOrEqual(2), 10_000);
    await eventually(async () => expect(piped.err()).toContain("waiting for approval"), 10_000);
    expect((await run("bob@contoso.dev", "approve", id)).status).toBe(0);
    const [terminalEnd, pipedEnd] = await Promise.all([onTerminal.finished, piped.finished]);
    expect(terminalEnd).toBe(0);
    expect(onTerminal.output()).toContain(`\r${ESC}[2K`);
    expect(onTerminal.output()).toContain("open: local accounts are enabled on aks-prod-weu");
    expect(pipedEnd.status).toBe(0);
    expect(pipedEnd.err + pipedEnd.out).not.toContain(ESC);
    expect((await run("carol@contoso.dev", "close", id)).status).toBe(0);
  });

  it("a request whose answer was lost on the way is sent again with its key: one request", async () => {
    await eventually(async () => {
      const clusters = await run("alice@contoso.dev", "--json", "clusters");
      expect(JSON.parse(clusters.out)).toContainEqual(
        expect.objectContaining({ name: "aks-prod-weu", openWindows: [] }),
      );
    }, 20_000);
    const proxy = await answerLosingProxy(Number(new URL(base).port), "POST /api/requests ");
    try {
      const asked = await breakglass(
        "alice@contoso.dev",
        ["--json", ...ask("alice@contoso.dev", "aks-prod-weu", "INC-6")],
        proxy.url,
      ).finished;
      expect(asked.status).toBe(0);
      expect(proxy.matching()).toBe(2);
      const { id } = JSON.parse(asked.out) as { id: string };
      const bob = await client.token("bob@contoso.dev");
      const listed = await client.call("GET", "/api/requests", { token: bob });
      const mine = (listed.body as { id: string; ticket: string }[]).filter((view) => view.ticket === "INC-6");
      expect(mine.map((view) => view.id)).toEqual([id]);
      const trail = await client.call("GET", `/api/audit?requestId=${id}`, { token: bob });
      const entries = (trail.body as { entries: { type: string }[] }).entries;
      expect(entries.filter((entry) => entry.type === "requested")).toHaveLength(1);
      expect((await run("alice@contoso.dev", "close", id)).status).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it("breakglass readiness: a cluster whose kube-audit is off is NOT READY, with the fix; exit 1", async () => {
    const off = await client.call("POST", "/api/dev/clusters/aks-prod-neu/audit-logs", { json: { enabled: false } });
    expect(off.status).toBe(200);
    const shown = await run("bob@contoso.dev", "readiness");
    expect(shown.status).toBe(1);
    expect(shown.out).toMatch(/^NOT READY/);
    expect(shown.out).toMatch(/^aks-prod-neu\s+kube-audit-logs\s+NOT OK/m);
    expect(shown.out).toContain(
      "fix aks-prod-neu kube-audit-logs:\n  az monitor diagnostic-settings create --name breakglass-kube-audit",
    );
    expect(shown.out).not.toMatch(/^aks-prod-weu\s+\S+\s+NOT OK/m);
    expect((await run("alice@contoso.dev", "readiness")).status).toBe(5);
    await client.call("POST", "/api/dev/clusters/aks-prod-neu/audit-logs", { json: { enabled: true } });
  });

  it("the README's terminal walkthrough works verbatim", async () => {
    await noWindowOn("aks-prod-weu");
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const script = /### From the terminal[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    // The only changes: this test's host and its Azurite instead of npm start's.
    const { stdout } = await promisify(execFile)(
      "bash",
      ["-euo", "pipefail", "-c", script.replaceAll("http://localhost:7071", base)],
      {
        cwd: ROOT,
        env: { ...process.env, AzureWebJobsStorage: stack.azurite.connectionString, TZ: "UTC" },
        timeout: 90_000,
      },
    );
    expect(stdout).toMatch(/^aks-prod-weu\s+disabled\s+-\s+rg-aks-prod$/m);
    expect(stdout).toMatch(/^bg-\S+\s+pending-approval\s+aks-prod-weu\s+alice@contoso\.dev\s+0 of 1/m);
    expect(stdout).toContain(
      `az aks get-credentials --subscription ${SUBSCRIPTION} --resource-group rg-aks-prod --name aks-prod-weu --admin`,
    );
    expect(stdout).toMatch(/^bg-\S+ {2}closed {2}on aks-prod-weu$/m);
    expect(stdout).toMatch(/^bg-\S+: ok, \d+ entries$/m);
    expect(stdout).toMatch(/^evidence collected; 0 API call\(s\) as cluster-admin, 0 after the window$/m);
  }, 120_000);
});

/** Waits until no window is open on the cluster (a test before may have left one closing). */
async function noWindowOn(cluster: string): Promise<void> {
  await eventually(async () => {
    const clusters = await run("alice@contoso.dev", "--json", "clusters");
    expect(JSON.parse(clusters.out)).toContainEqual(expect.objectContaining({ name: cluster, openWindows: [] }));
  }, 20_000);
}

/** A command on a pseudo-terminal: script(1) runs it with stdout and stderr on a pty. */
function spawnScript(command: string) {
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    cwd: ROOT,
    env: { ...process.env, BREAKGLASS_URL: base, TZ: "UTC", SHELL: "/bin/sh" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return {
    output: () => output,
    finished: new Promise<number | null>((resolve) => child.once("close", (status) => resolve(status))),
  };
}
