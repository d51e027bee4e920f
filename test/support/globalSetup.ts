import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import selfsigned from "selfsigned";
import type { TestProject } from "vitest/node";
import { startAzurite } from "../../dev/azurite.js";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    tls: { certFile: string; keyFile: string };
  }
}

/**
 * Before any test runs: an up-to-date build in dist/ (compiled, then bundled; incremental, so
 * the npm start that end-to-end tests run rewrites nothing) for the end-to-end tests (they run the
 * app as a user would); one Azurite for the whole run (each test isolates itself
 * with its own table prefix); and a self-signed certificate for the HTTPS fakes of ARM, Graph, Entra and Teams,
 * which every test process trusts through NODE_EXTRA_CA_CERTS (read when a process starts, so it
 * is set here, before the test workers are).
 */
export default async function setup(project: TestProject) {
  const root = resolve(import.meta.dirname, "../..");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  // The functions the end-to-end tests serve are bundles (npm run build's second step): made afresh
  // too, so that no test runs the bundles of an earlier build.
  execFileSync(process.execPath, [join(root, "dist/dev/bundle.js")], { cwd: root, stdio: "inherit" });

  const folder = mkdtempSync(join(tmpdir(), "breakglass-tls-"));
  const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  const tls = { certFile: join(folder, "cert.pem"), keyFile: join(folder, "key.pem") };
  writeFileSync(tls.certFile, pems.cert);
  writeFileSync(tls.keyFile, pems.private);
  process.env.NODE_EXTRA_CA_CERTS = tls.certFile;
  project.provide("tls", tls);

  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  return async () => {
    await azurite.stop();
    rmSync(folder, { recursive: true, force: true });
  };
}
