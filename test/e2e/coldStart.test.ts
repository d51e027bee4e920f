// What ships loads no Azure SDK in simulation mode (docs/design.md §13): the offline host serves
// the bundles in dist/functions while a module hook records every file the process loads; after a
// window has been requested, approved and opened, no bundle chunk it loaded holds a source of an
// Azure SDK. esbuild's metafile says which sources each chunk holds.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { BUNDLE_METAFILE } from "../../dev/bundle.js";
import { eventually, freePort, ROOT } from "../support/processes.js";
import { CLUSTER, cleanups, hostOn, ownAzurite, requestStatus } from "./offlineHosts.js";

vi.setConfig({ testTimeout: 90_000 });

/** The Azure SDKs only the azure world's adapters use. */
const AZURE_SDKS =
  /^node_modules\/(@azure\/arm-[^/]+|@azure\/identity|@microsoft\/microsoft-graph-client|@azure\/monitor-query-logs)\//;

interface Metafile {
  readonly outputs: Record<string, { readonly inputs: Record<string, unknown> }>;
}

function readMeta(): Metafile {
  return JSON.parse(readFileSync(join(ROOT, BUNDLE_METAFILE), "utf8")) as Metafile;
}

/** The packages (node_modules/<name>/) whose sources are in the given bundle files. */
function packagesIn(files: readonly string[]): Set<string> {
  const meta = readMeta();
  const packages = new Set<string>();
  for (const file of files) {
    for (const input of Object.keys(meta.outputs[file]?.inputs ?? {}))
      packages.add(/^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[0] ?? input);
  }
  return packages;
}

describe("cold start", () => {
  it("in simulation mode, a window requested, approved and opened loads no Azure SDK", async () => {
    const folder = mkdtempSync(join(tmpdir(), "breakglass-loaded-"));
    cleanups.push(async () => rmSync(folder, { recursive: true, force: true }));
    const loadedFile = join(folder, "loaded.txt");
    const hook = pathToFileURL(join(ROOT, "test/support/loadedModules.ts")).href;
    const azurite = await ownAzurite();
    const { api: client } = await hostOn(azurite, "coldstart", await freePort(), {
      NODE_OPTIONS: `--import ${hook}`,
      LOADED_MODULES_FILE: loadedFile,
    });
    expect((await client.call("GET", "/api/health")).status).toBe(200);
    const [alice, bob] = await Promise.all(["alice@contoso.dev", "bob@contoso.dev"].map((user) => client.token(user)));
    const created = await client.call("POST", "/api/requests", {
      token: alice,
      json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-18", duration: "PT10S" },
    });
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };
    expect((await client.call("POST", `/api/requests/${id}/approve`, { token: bob })).status).toBe(202);
    await eventually(async () => expect(await requestStatus(client, bob!, id)).toBe("open"), 20_000);

    const chunks = readFileSync(loadedFile, "utf8")
      .split("\n")
      .filter((url) => url.startsWith("file:"))
      .map((url) => relative(ROOT, fileURLToPath(url)))
      .filter((file) => file.startsWith("dist/functions/bundle/"));
    const packages = packagesIn(chunks);
    // What the window's path needs is there: the recording and the metafile see the bundles.
    expect(packages).toContain("node_modules/@azure/data-tables/");
    expect(packages).toContain("node_modules/durable-functions/");
    expect([...packages].filter((name) => AZURE_SDKS.test(name))).toEqual([]);
    // They are in the bundles, loaded when the azure world is.
    expect([...packagesIn(Object.keys(readMeta().outputs))].filter((name) => AZURE_SDKS.test(name))).not.toEqual([]);
  });
});
