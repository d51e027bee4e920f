// Which installed folders the deployment zip takes: the lockfile's production entries, nested ones
// included, and an error (not a smaller zip) when one of them is not installed.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { productionPackages } from "../../dev/package.js";

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function installed(...paths: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "breakglass-lockfile-"));
  folders.push(root);
  for (const path of paths) mkdirSync(join(root, path), { recursive: true });
  return root;
}

describe("the production dependencies of the package", () => {
  const lockfile = {
    packages: {
      "": {},
      "node_modules/jose": {},
      "node_modules/vitest": { dev: true },
      "node_modules/@azure/identity": {},
      "node_modules/@azure/identity/node_modules/jose": {},
    },
  };

  it("are the lockfile's entries that are not dev, nested ones too", () => {
    const root = installed(
      "node_modules/jose",
      "node_modules/vitest",
      "node_modules/@azure/identity/node_modules/jose",
    );
    expect(productionPackages(lockfile, root)).toEqual([
      "node_modules/jose",
      "node_modules/@azure/identity",
      "node_modules/@azure/identity/node_modules/jose",
    ]);
  });

  it("must all be installed: a missing one stops the packaging", () => {
    const root = installed("node_modules/jose");
    expect(() => productionPackages(lockfile, root)).toThrow(
      "node_modules/@azure/identity is in package-lock.json but not installed: run npm ci",
    );
  });
});
