// npm run build's second step (docs/design.md §13): each registration module in functions/ is
// bundled by esbuild with everything it imports (tree-shaken; the modules loaded on demand become
// chunks of their own, still loaded on demand), and dist/functions/<entry>.js — what package.json's
// `main` names and the host loads — turns source maps on before it loads its bundle, so that stack
// traces name the TypeScript sources. Only "@azure/functions-core", which the host's worker
// provides, stays outside; an import esbuild cannot follow fails the build rather than the start.
import { build } from "esbuild";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the bundles go, beside the entries that load them. */
export const BUNDLE_FOLDER = "bundle";
/** esbuild's account of which sources each bundle holds (not shipped; tests read it). */
export const BUNDLE_METAFILE = "dist/functions.meta.json";

/** Node's ESM has no `require`; the CommonJS packages in the bundle (durable-functions, @azure/functions) need one. */
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** Bundles `root`/functions/*.ts into `root`/dist/functions; returns the entries' names. */
export async function bundleFunctions(root: string): Promise<string[]> {
  const entries = readdirSync(join(root, "functions"))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => basename(name, ".ts"))
    .sort();
  // Built beside, then swapped in: a host running from dist/functions meanwhile (npm start rebuilds
  // while tests or another host run) never finds the folder empty or half written.
  const out = join(root, "dist", "functions");
  const building = `${out}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  const result = await build({
    entryPoints: entries.map((name) => join(root, "functions", `${name}.ts`)),
    outdir: join(building, BUNDLE_FOLDER),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // Mappings only: a stack trace needs the lines, not the sources' text (a third of the size).
    sourcemap: "linked",
    sourcesContent: false,
    external: ["@azure/functions-core"],
    banner: { js: REQUIRE_SHIM },
    tsconfig: join(root, "tsconfig.json"),
    absWorkingDir: root,
    metafile: true,
    logLevel: "silent",
  });
  if (result.warnings.length || result.errors.length)
    throw new Error(`esbuild: ${[...result.errors, ...result.warnings].map((message) => message.text).join("; ")}`);
  for (const name of entries) {
    // Node reads the maps only of modules loaded after this; a static import would load first.
    const entry = `process.setSourceMapsEnabled(true);\nawait import("./${BUNDLE_FOLDER}/${name}.js");\n`;
    await writeFile(join(building, `${name}.js`), entry);
  }
  const metafile = JSON.stringify(result.metafile).replaceAll(
    `dist/functions.building-${process.pid}/`,
    "dist/functions/",
  );
  // A rebuild of the same sources (npm start while a host or a packaging reads dist/functions)
  // touches nothing: the bundles are deterministic, so the old folder is the new one.
  if (sameFiles(building, out) && sameText(join(root, BUNDLE_METAFILE), metafile)) {
    await rm(building, { recursive: true, force: true });
    return entries;
  }
  await writeAtomically(join(root, BUNDLE_METAFILE), metafile);
  await swapIn(building, out);
  return entries;
}

/** Every file under `folder`, relative to it, with its bytes. */
function filesUnder(folder: string, into = new Map<string, Buffer>(), base = folder): Map<string, Buffer> {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) filesUnder(path, into, base);
    else into.set(relative(base, path), readFileSync(path));
  }
  return into;
}

/** Whether two folders hold the same files with the same bytes (false if `existing` is missing). */
function sameFiles(built: string, existing: string): boolean {
  let old: Map<string, Buffer>;
  try {
    old = filesUnder(existing);
  } catch {
    return false;
  }
  const fresh = filesUnder(built);
  return fresh.size === old.size && [...fresh].every(([name, bytes]) => old.get(name)?.equals(bytes) === true);
}

function sameText(file: string, text: string): boolean {
  try {
    return readFileSync(file, "utf8") === text;
  } catch {
    return false;
  }
}

/** Written beside, then renamed over: a reader finds the old file or the new one, never half of one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, text);
  await rename(partial, file);
}

/** Replaces `out` by `building` with two renames (the folder is missing only between them). */
async function swapIn(building: string, out: string): Promise<void> {
  const old = `${out}.old-${process.pid}`;
  await rm(old, { recursive: true, force: true });
  await rename(out, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  await rename(building, out);
  await rm(old, { recursive: true, force: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entries = await bundleFunctions(resolve(dirname(fileURLToPath(import.meta.url)), "../.."));
  console.log(`[bundle] dist/functions: ${entries.join(", ")}`);
}
