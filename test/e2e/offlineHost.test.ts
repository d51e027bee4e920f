// End to end, as a platform engineer runs it: the built app under the offline host (or npm
// start), over real HTTP, with its own Azurite. These tests run in real time: the windows are
// the shortest the dev configuration allows.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { isListening } from "../../dev/azurite.js";
import { composeAuditStore } from "../../src/app/composition.js";
import { parseConfig } from "../../src/app/config.js";
import { eventually, freePort, ROOT, run } from "../support/processes.js";
import { DEADLINE_TRAIL } from "../support/trails.js";

import { api, cleanups, CLUSTER, clusterState, hostOn, ownAzurite, requestStatus } from "./offlineHosts.js";

// These run real windows of 10–20 s in real time: on a loaded two-core machine a test may take twice
// its usual time, which is no failure of the product.
vi.setConfig({ testTimeout: 60_000 });

describe.sequential("end to end over HTTP", () => {
  it("the README walkthrough: request, approval link from the outbox, open, deadline, locked, audited", async () => {
    const azurite = await ownAzurite();
    const { host, api: client } = await hostOn(azurite, "walkthrough", await freePort());
    const alice = await client.token("alice@contoso.dev");
    const bob = await client.token("bob@contoso.dev");

    const created = await client.call("POST", "/api/requests", {
      token: alice,
      json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-1", duration: "PT10S" },
    });
    expect(created).toMatchObject({ status: 202, body: { status: "pending-approval", duration: "PT10S" } });
    const { id } = created.body as { id: string };

    const outbox = (await client.call("GET", `/api/dev/outbox?requestId=${id}`)).body as {
      channel: string;
      recipients: string[];
      links: { label: string; url: string }[];
    }[];
    expect(outbox.map((message) => message.channel)).toEqual(["teams", "email"]);
    expect(outbox[1]!.recipients).toEqual(["bob@contoso.dev", "carol@contoso.dev"]);
    const reviewLink = outbox[1]!.links.find((link) => link.label === "Review and decide")!.url;
    expect(reviewLink.startsWith(`${client.base}/api/requests/${id}/review?token=`)).toBe(true);

    // bob follows the link: signs in (simulation's session cookie), reads the page, approves in its form.
    const signIn = await fetch(
      `${client.base}/api/dev/login?user=bob@contoso.dev&returnTo=${encodeURIComponent(new URL(reviewLink).pathname + new URL(reviewLink).search)}`,
      { redirect: "manual" },
    );
    expect(signIn.status).toBe(302);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const page = await (await fetch(reviewLink, { headers: { cookie } })).text();
    expect(page).toContain("Entra outage");
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)![1]!;
    const decided = await fetch(`${client.base}/api/requests/${id}/review`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: field("token"), csrf: field("csrf"), decision: "approve" }).toString(),
    });
    expect(decided.status).toBe(200);
    expect(await decided.text()).toContain("You approved this request");
    const open = await eventually(async () => {
      const state = await clusterState(client, alice);
      expect(state.localAccounts).toBe("enabled");
      return state;
    });
    expect(open.openWindows.map((window) => window.requestId)).toEqual([id]);
    const request = (await client.call("GET", `/api/requests/${id}`, { token: alice })).body as {
      status: string;
      window: { closesAt: string };
    };
    expect(request.status).toBe("open");

    // The deadline passes in real time; the durable timer locks the cluster again.
    await eventually(
      async () =>
        expect(await clusterState(client, alice)).toEqual(
          expect.objectContaining({ localAccounts: "disabled", openWindows: [] }),
        ),
      30_000,
    );
    const closed = (await client.call("GET", `/api/requests/${id}`, { token: bob })).body as {
      status: string;
      window: { closedAt: string };
    };
    expect(closed.status).toBe("closed");
    expect(Date.parse(closed.window.closedAt)).toBeGreaterThanOrEqual(Date.parse(request.window.closesAt));

    const kinds = ((await client.call("GET", `/api/dev/outbox?requestId=${id}`)).body as { kind: string }[]).map(
      (message) => message.kind,
    );
    expect(kinds).toEqual(["approval-requested", "approval-requested", "opened", "opened", "closed", "closed"]);
    const audit = (await client.call("GET", `/api/audit?requestId=${id}`, { token: bob })).body as {
      entries: { type: string }[];
    };
    const stored = await composeAuditStore(
      parseConfig({ BREAKGLASS_MODE: "simulation", AzureWebJobsStorage: azurite.connectionString }),
    ).audit.readStream(id);
    expect(stored.map((entry) => entry.type)).toEqual(audit.entries.map((entry) => entry.type));
    expect(audit.entries.map((entry) => entry.type)).toEqual([...DEADLINE_TRAIL]);
    // One line per invocation in the host's log.
    expect(host.output()).toMatch(new RegExp(`POST /api/requests/${id}/review → 200 submitReview \\d+ms`));
  });

  it("the README walkthrough works verbatim", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const script = /### Walkthrough[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const azurite = await ownAzurite();
    // Evidence on, as npm start runs.
    const { api: client } = await hostOn(azurite, "readme", await freePort(), { BREAKGLASS_EVIDENCE: "on" });
    // The only change: the host of this test instead of localhost:7071.
    const output = execFileSync(
      "bash",
      ["-euo", "pipefail", "-c", script.replaceAll("http://localhost:7071", client.base)],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    const states = [...output.matchAll(/"localAccounts": "(\w+)"/g)].map((match) => match[1]);
    expect(states).toEqual(["enabled", "disabled"]);
    expect(output).toContain('"status": "closed"');
    expect(output).toMatch(/^0 \S+ requested alice@contoso\.dev$/m);
    expect(output).toMatch(/^2 \S+ approval-recorded bob@contoso\.dev$/m);
    expect(output).toMatch(/^9 \S+ certificates-rotated system$/m);
    expect(output).toMatch(/^10 \S+ evidence-collected system$/m);
    expect(output).toMatch(/^11 \S+ closed system$/m);
    expect(output).toContain('{"ok":true,"entries":12}');
    expect(output).toContain(
      '{"status":"collected","entries":1,"items":["delete pods kube-system/coredns-7d4f9c6b8-x2x9k"]}',
    );
  }, 90_000);

  it("answers unknown routes and wrong methods clearly", async () => {
    const azurite = await ownAzurite();
    const { api: client } = await hostOn(azurite, "routes", await freePort());
    expect(await client.call("GET", "/api/nothing-here")).toMatchObject({
      status: 404,
      body: { error: { code: "NOT_FOUND" } },
    });
    expect(await client.call("DELETE", "/api/requests")).toMatchObject({
      status: 405,
      body: { error: { code: "METHOD_NOT_ALLOWED" } },
    });
    expect(await client.call("POST", "/api/requests", { json: {} })).toMatchObject({
      status: 401,
      body: { error: { code: "UNAUTHENTICATED" } },
    });
  });

  it("a restart while a window is open: the host comes back, reports the window, and still locks at the deadline", async () => {
    const azurite = await ownAzurite();
    const port = await freePort();
    const first = await hostOn(azurite, "restart", port);
    const alice = await first.api.token("alice@contoso.dev");
    const bob = await first.api.token("bob@contoso.dev");
    const created = await first.api.call("POST", "/api/requests", {
      token: alice,
      json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-2", duration: "PT20S" },
    });
    const { id } = created.body as { id: string };
    await first.api.call("POST", `/api/requests/${id}/approve`, { token: bob });
    expect((await clusterState(first.api, alice)).localAccounts).toBe("enabled");

    expect(await first.host.stop("SIGINT")).toBe(0);
    expect(await isListening(port)).toBe(false);

    const second = await hostOn(azurite, "restart", port);
    expect(second.host.output()).toMatch(/recovered 1 running orchestration/);
    // Dev tokens are signed by a key of the process that issued them: the old ones are void now.
    expect((await second.api.call("GET", "/api/clusters", { token: alice })).status).toBe(401);
    const carol = await second.api.token("carol@contoso.dev");
    expect(await clusterState(second.api, carol)).toEqual(
      expect.objectContaining({ localAccounts: "enabled", openWindows: [expect.objectContaining({ requestId: id })] }),
    );
    expect(await requestStatus(second.api, carol, id)).toBe("open");

    await eventually(
      async () => expect((await clusterState(second.api, carol)).localAccounts).toBe("disabled"),
      40_000,
    );
    // The cluster is locked first, then the request says so.
    await eventually(async () => expect(await requestStatus(second.api, carol, id)).toBe("closed"), 10_000);
    // The trail written by two processes is one unbroken chain; the command line says so.
    const cli = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/audit.js"), "verify", "--request", id], {
      env: { ...process.env, AzureWebJobsStorage: azurite.connectionString },
      encoding: "utf8",
    });
    expect(cli.stdout).toMatch(new RegExp(`^${id}: ok, \\d+ entries$`, "m"));
    expect(cli.status).toBe(0);
  });

  it("npm start, as a user runs it: Azurite, the offline host, health, and Ctrl-C leaves nothing behind", async () => {
    const location = mkdtempSync(join(tmpdir(), "breakglass-start-"));
    cleanups.push(async () => rmSync(location, { recursive: true, force: true }));
    const [port, blob, queue, table] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      AZURITE_BLOB_PORT: String(blob),
      AZURITE_QUEUE_PORT: String(queue),
      AZURITE_TABLE_PORT: String(table),
      AZURITE_LOCATION: location,
      BREAKGLASS_HOST: "offline",
    };
    delete env.AzureWebJobsStorage;
    const built = buildOutputs();
    const start = run("npm", ["start"], env, true);
    cleanups.push(() => start.stop("SIGKILL", true).catch(() => null));
    await start.waitFor(/\[start\] using the offline host/);
    expect(
      start
        .output()
        .split("\n")
        .find((line) => line.startsWith("[start]")),
    ).toMatch(/offline host/);
    await eventually(async () => {
      const reply = await api(`http://127.0.0.1:${port}`).call("GET", "/api/health");
      expect(reply).toEqual({ status: 200, body: { status: "ok", mode: "simulation", api: 1 } });
    }, 90_000);
    expect(await isListening(table)).toBe(true);
    // Its build found nothing to do: hosts and packagings of other tests read dist/ meanwhile, and
    // a file rewritten under them is a module half read (docs/design.md §13).
    expect(buildOutputs()).toEqual(built);

    await start.stop("SIGINT", true); // Ctrl-C reaches the whole foreground process group
    expect(start.output()).toMatch(/\[start\] SIGINT: stopping/);
    await eventually(async () => {
      expect(await isListening(port)).toBe(false);
      expect(await isListening(table)).toBe(false);
      expect(processesMentioning(location)).toEqual([]);
      expect(groupAlive(start.child.pid!)).toBe(false);
    }, 15_000);
  });
});

/** Every file npm run build writes, with its inode and time: the same after a build that changed nothing. */
function buildOutputs(): Map<string, string> {
  const outputs = new Map<string, string>();
  const walk = (path: string) => {
    const stats = statSync(path);
    if (stats.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    outputs.set(path, `${stats.ino} ${stats.mtimeMs}`);
  };
  for (const part of ["src", "dev", "bench", "functions", "functions.meta.json"]) walk(join(ROOT, "dist", part));
  return outputs;
}

/** Whether any process of the group (npm, the start script, its children) is still alive. */
function groupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch {
    return false;
  }
}

function processesMentioning(text: string): string[] {
  const lines = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).split("\n");
  return lines.filter((line) => line.includes(text) && !line.includes("ps -eo"));
}
