// Row 1: a cold start's import, as the Functions host pays it — a fresh Node process importing every
// compiled registration (dist/functions/*.js) — against a fresh process importing only the
// framework (@azure/functions and durable-functions). Whole-process wall time, the two commands in
// turn (A B A B …) so that a machine slowing down weighs on both, median of each (docs/design.md §14).
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { median, ms, ratio, type Row } from "./report.js";

/** Runs one child to its end; its stdout and stderr are dropped (outside a host @azure/functions warns on stderr). */
function timedChild(script: string, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd,
      env,
      stdio: ["ignore", "ignore", "ignore"],
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolveRun(elapsed);
      else reject(new Error(`the import child exited with ${code}: ${script.slice(0, 200)}`));
    });
  });
}

const importing = (specifiers: readonly string[]) =>
  specifiers.map((specifier) => `await import(${JSON.stringify(specifier)});`).join(" ");

export interface ColdImportOptions {
  /** The checkout (its dist/ and node_modules/). */
  readonly root: string;
  readonly runs: number;
  /** The app's configuration in the child (registrations parse it when they load). */
  readonly env: NodeJS.ProcessEnv;
}

export async function coldImportRow(options: ColdImportOptions): Promise<Row> {
  const functionsDir = resolve(options.root, "dist/functions");
  const functions = readdirSync(functionsDir)
    .filter((file) => file.endsWith(".js"))
    .map((file) => pathToFileURL(resolve(functionsDir, file)).href);
  const app = importing(functions);
  const framework = importing(["@azure/functions", "durable-functions"]);
  const env = { ...options.env, NODE_OPTIONS: "" };
  // One of each first, not counted: the disk cache, not the code, would otherwise set the first figure.
  await timedChild(app, env, options.root);
  await timedChild(framework, env, options.root);
  const appRuns: number[] = [];
  const frameworkRuns: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    appRuns.push(await timedChild(app, env, options.root));
    frameworkRuns.push(await timedChild(framework, env, options.root));
  }
  const [a, b] = [median(appRuns), median(frameworkRuns)];
  return {
    name: `cold import: dist/functions/*.js (${functions.length} files) vs @azure/functions + durable-functions`,
    measured: `${ms(a)} median of ${options.runs} (${ms(Math.min(...appRuns))}–${ms(Math.max(...appRuns))})`,
    baseline: `${ms(b)} median of ${options.runs} (${ms(Math.min(...frameworkRuns))}–${ms(Math.max(...frameworkRuns))})`,
    ratio: ratio(a, b),
    goal: { kind: "at-most", of: "ratio", bound: 1.3, text: "≤ 1.30×" },
  };
}
