// `breakglass` against a server in azure mode, as a person runs it: the built command in a child
// process, its sign-in composed the way main.ts composes it (the real @azure/identity credential
// chain), the Azure CLI a fake `az` first on PATH, the server an HTTPS fake that records what it is
// sent. The scope asked for, the bearer sent, the cache file left, and no token in the output.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpsFake } from "../support/fakes/https.js";
import { ROOT } from "../support/processes.js";

const SCOPE = "api://aks-breakglass/.default";
const TOKEN = "entra-token-for-breakglass-never-printed";
const CLUSTER =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu";

let folder: string;
let server: HttpsFake;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "breakglass-azure-cli-"));
  mkdirSync(join(folder, "bin"));
  const expiresAt = new Date(Date.now() + 3_600_000);
  // What `az account get-access-token --output json` prints; every run is logged with its arguments.
  const output = JSON.stringify({
    accessToken: TOKEN,
    expiresOn: expiresAt.toISOString().replace("T", " ").replace("Z", ".000000"),
    expires_on: Math.floor(expiresAt.getTime() / 1000),
    tokenType: "Bearer",
  });
  writeFileSync(
    join(folder, "bin", "az"),
    `#!/bin/sh\necho "$*" >> '${join(folder, "az.log")}'\ncat <<'JSON'\n${output}\nJSON\n`,
    { mode: 0o755 },
  );
  server = await new HttpsFake((request) => {
    if (request.path === "/api/health") return { status: 200, body: { status: "ok", mode: "azure", api: 1 } };
    if (request.path === "/api/clusters")
      return {
        status: 200,
        body: [{ id: CLUSTER, name: "aks-prod-weu", localAccounts: "disabled", openWindows: [] }],
      };
    return { status: 404, body: { error: { code: "NOT_FOUND", message: "no such route" } } };
  }).start();
});

afterAll(async () => {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

function breakglass(...args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ["bin/breakglass.js", ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${join(folder, "bin")}:${process.env.PATH ?? ""}`,
      HOME: folder,
      XDG_CACHE_HOME: "",
      BREAKGLASS_URL: server.url,
      BREAKGLASS_SCOPE: SCOPE,
      BREAKGLASS_USER: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, out, err })));
}

describe("breakglass against a server in azure mode", () => {
  it("signs in with the Azure CLI for BREAKGLASS_SCOPE, sends that token, and keeps it for the next command", async () => {
    const first = await breakglass("clusters");
    expect(first).toMatchObject({ status: 0, err: "" });
    expect(first.out).toMatch(/^aks-prod-weu\s+disabled/m);
    const second = await breakglass("--json", "clusters");
    expect(second.status).toBe(0);

    expect(readFileSync(join(folder, "az.log"), "utf8").trim().split("\n")).toEqual([
      "account get-access-token --output json --resource api://aks-breakglass",
    ]);
    const sent = server.received("GET", "/api/clusters").map((request) => request.headers.authorization);
    expect(sent).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(server.received("GET", "/api/health")[0]!.headers.authorization).toBeUndefined();
    expect(statSync(join(folder, ".cache/aks-breakglass/tokens.json")).mode & 0o777).toBe(0o600);
    for (const run of [first, second]) expect(run.out + run.err).not.toContain(TOKEN);
  });
});
