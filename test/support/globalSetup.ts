import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { startAzurite } from "../../dev/azurite.js";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

/**
 * One Azurite for the whole run (each test isolates itself with its own table prefix), and a
 * fresh build in dist/ for the end-to-end tests, which run the app as a user would.
 */
export default async function setup(project: TestProject) {
  const root = resolve(import.meta.dirname, "../..");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  return () => azurite.stop();
}
