// The deployment zip (npm run package) is the whole app: unzipped into an empty folder, with no
// checkout around it, its functions answer and run a window under the offline host. The host is
// the repository's (it is a development tool, not part of the package); the app, its
// bundled dependencies and its package.json come from the zip alone: no node_modules.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { crc32, inflateRawSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { FUNCTIONS_DIR_VARIABLE } from "../../dev/host/main.js";
import { packageApp } from "../../dev/package.js";
import { eventually, freePort } from "../support/processes.js";
import { CLUSTER, cleanups, hostOn, ownAzurite, requestStatus } from "./offlineHosts.js";

// Two packagings (the second during the window), a 10 s window in real time.
vi.setConfig({ testTimeout: 120_000 });

const root = resolve(import.meta.dirname, "../..");

interface ZipEntry {
  readonly name: string;
  readonly dosTime: number;
  readonly mode: number;
  readonly data: Buffer;
}

/** Reads a zip's entries through its central directory (stored or deflated; no zip64), checking each CRC. */
function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error("no end of central directory");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`central directory entry ${index} is malformed`);
    const method = zip.readUInt16LE(at + 10);
    const [nameLength, extraLength, commentLength] = [28, 30, 32].map((offset) => zip.readUInt16LE(at + offset));
    const size = zip.readUInt32LE(at + 20);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength!);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const stored = zip.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(stored) : method === 0 ? stored : undefined;
    if (!data) throw new Error(`${name}: compression method ${method}`);
    if (crc32(data) !== zip.readUInt32LE(at + 16)) throw new Error(`${name}: CRC mismatch`);
    entries.push({ name, dosTime: zip.readUInt32LE(at + 12), mode: zip.readUInt32LE(at + 38) >>> 16, data });
    at += 46 + nameLength! + extraLength! + commentLength!;
  }
  return entries;
}

function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(async () => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

describe("the deployment package", () => {
  it("is the same bytes twice, holds only what runs, and runs a window from an empty folder", async () => {
    const out = temporaryFolder("breakglass-zips-");
    const first = await packageApp(root, join(out, "first.zip"));
    const zip = readFileSync(first.path);
    expect(first.bytes).toBe(zip.length);
    const second = packageApp(root, join(out, "second.zip")); // while the window runs

    const entries = readZip(zip);
    const names = entries.map((entry) => entry.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(entries.map((entry) => `${entry.dosTime} ${entry.mode.toString(8)}`))).toEqual(
      new Set([`${entries[0]!.dosTime} 100644`]),
    );
    expect(names).toEqual(
      expect.arrayContaining([
        "host.json",
        "package.json",
        "dist/functions/api.js",
        "dist/functions/bundle/api.js",
        "dist/functions/bundle/api.js.map",
      ]),
    );
    // The bundles hold every dependency (docs/design.md §13): nothing else under dist/, no node_modules.
    expect(names.filter((name) => !/^dist\/functions\/|^host\.json$|^package\.json$/.test(name))).toEqual([]);

    const unzipped = temporaryFolder("breakglass-unzipped-");
    for (const entry of entries) {
      mkdirSync(dirname(join(unzipped, entry.name)), { recursive: true });
      writeFileSync(join(unzipped, entry.name), entry.data);
    }
    const deployed = JSON.parse(readFileSync(join(unzipped, "package.json"), "utf8")) as Record<string, unknown>;
    expect(deployed).not.toHaveProperty("devDependencies");
    expect(deployed).not.toHaveProperty("dependencies");
    expect(deployed.main).toBe("dist/functions/*.js");

    const azurite = await ownAzurite();
    const functionsDir = join(unzipped, "dist/functions");
    const { host, api: client } = await hostOn(azurite, "package", await freePort(), {
      [FUNCTIONS_DIR_VARIABLE]: functionsDir,
    });
    expect(host.output()).toContain(`functions from ${functionsDir}`);
    expect((await client.call("GET", "/api/health")).status).toBe(200);
    const [alice, bob] = await Promise.all(["alice@contoso.dev", "bob@contoso.dev"].map((user) => client.token(user)));
    const created = await client.call("POST", "/api/requests", {
      token: alice,
      json: { cluster: CLUSTER, justification: "Entra outage", ticket: "INC-14", duration: "PT10S" },
    });
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };
    expect((await client.call("POST", `/api/requests/${id}/approve`, { token: bob })).status).toBe(202);
    await eventually(async () => expect(await requestStatus(client, bob!, id)).toBe("open"), 20_000);
    await eventually(async () => expect(await requestStatus(client, bob!, id)).toBe("closed"), 40_000);

    expect(zip.equals(readFileSync((await second).path))).toBe(true);
  });
});
