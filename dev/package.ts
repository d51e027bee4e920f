// npm run package: the deployment zip the Functions host runs: the bundled app (dist/functions:
// the entries package.json's `main` names, their bundles and the bundles' source maps, which keep
// stack traces readable; docs/design.md §13), host.json and a package.json that says what runs.
// The bundles hold every dependency but the host's own @azure/functions-core, so no node_modules
// ships. The same checkout gives the same bytes: files are staged with one timestamp and one
// mode, and zipped in sorted order by Info-ZIP's zip without extra attributes (so neither the
// owner, the clock, the umask nor the directory order leaks in).
import { spawn } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import { cp, mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ZIP_NAME = "aks-breakglass.zip";
/** Every entry's time (zip keeps local time to 2 s; zip runs with TZ=UTC). */
const ENTRY_TIME = new Date("2000-01-01T00:00:00Z");
const FILE_MODE = 0o644;
const DIRECTORY_MODE = 0o755;

/** The package.json the host reads: what runs; no dependencies, which the bundles hold. */
function deployedManifest(manifest: Record<string, unknown>): string {
  const { name, version, description, license, private: isPrivate, type, main, engines } = manifest;
  const deployed = { name, version, description, license, private: isPrivate, type, main, engines };
  return `${JSON.stringify(deployed, null, 2)}\n`;
}

async function stage(root: string, staging: string): Promise<void> {
  await cp(join(root, "dist/functions"), join(staging, "dist/functions"), { recursive: true });
  await cp(join(root, "host.json"), join(staging, "host.json"));
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;
  await writeFile(join(staging, "package.json"), deployedManifest(manifest));
}

/** Gives every staged file and folder the same time and mode; returns the files, sorted. */
function normalize(staging: string): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        chmodSync(path, DIRECTORY_MODE);
      } else {
        chmodSync(path, FILE_MODE);
        files.push(relative(staging, path).split(sep).join("/"));
      }
      utimesSync(path, ENTRY_TIME, ENTRY_TIME);
    }
  };
  walk(staging);
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Zips the staged files, in the order given, into `zipFile` (which must not exist: zip would add to it). */
function zip(staging: string, files: readonly string[], zipFile: string): Promise<void> {
  // -X: no uid/gid or extended times; -D: no folder entries; -@: these names, in this order.
  const child = spawn("zip", ["-q", "-X", "-D", zipFile, "-@"], {
    cwd: staging,
    env: { ...process.env, TZ: "UTC" },
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(files.join("\n"));
  return new Promise((resolveZip, reject) => {
    child.once("error", (error) => reject(new Error(`zip could not run (${error.message}); install Info-ZIP's zip`)));
    child.once("close", (code) => (code === 0 ? resolveZip() : reject(new Error(`zip exited ${code}: ${stderr}`))));
  });
}

/** Builds the zip from an already built dist/; returns its path and size in bytes. */
export async function packageApp(
  root: string,
  outFile = join(root, "dist", ZIP_NAME),
): Promise<{ path: string; bytes: number }> {
  const staging = await mkdtemp(join(tmpdir(), "breakglass-package-"));
  try {
    await stage(root, staging);
    await mkdir(dirname(outFile), { recursive: true });
    const partial = `${outFile}.${process.pid}.partial`;
    await rm(partial, { force: true });
    await zip(staging, normalize(staging), partial);
    await rename(partial, outFile);
    return { path: outFile, bytes: (await stat(outFile)).size };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { path, bytes } = await packageApp(resolve(dirname(fileURLToPath(import.meta.url)), "../.."));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `[package] ${relative(process.cwd(), path)}: ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes), in ${seconds} s`,
  );
}
