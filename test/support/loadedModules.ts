// Preloaded with `node --import` into a child process (Node strips its types): appends the URL
// of every module Node loads, ES module or CommonJS, to the file LOADED_MODULES_FILE names.
import { appendFileSync } from "node:fs";
import { registerHooks } from "node:module";

const file = process.env.LOADED_MODULES_FILE;
if (!file) throw new Error("LOADED_MODULES_FILE names no file");
registerHooks({
  load(url, context, nextLoad) {
    appendFileSync(file, `${url}\n`);
    return nextLoad(url, context);
  },
});
