import type { TestProject } from "vitest/node";
import { startAzurite } from "../../dev/azurite.js";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

/** One Azurite for the whole run; each test isolates itself with its own table prefix. */
export default async function setup(project: TestProject) {
  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  return () => azurite.stop();
}
