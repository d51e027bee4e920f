#!/usr/bin/env node
// The `breakglass` command (package.json "bin"): the built CLI in dist/, which `npm install` builds
// (the "prepare" script). Kept in git with its executable bit, so that `npx breakglass` works from a
// checkout without a chmod after each build.
try {
  await import("../dist/src/cli/main.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/src/cli/main.js")) throw error;
  process.stderr.write("breakglass: not built yet: run `npm install` (or `npm run build`) in the checkout first\n");
  process.exitCode = 1;
}
