// The `breakglass` executable (package.json "bin"): the real process, network, clock and sign-in
// around runBreakglass. The Azure SDKs and the storage are imported only by the commands that need
// them, so that `breakglass status` at 3 a.m. starts in a blink.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { runBreakglass } from "./program.js";
import type { Terminal } from "./terminal.js";

const { version } = createRequire(import.meta.url)("../../../package.json") as { version: string };

const terminal: Terminal = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  onInterrupt(handler) {
    process.on("SIGINT", handler);
    return () => void process.off("SIGINT", handler);
  },
};

const status = await runBreakglass(process.argv.slice(2), {
  terminal,
  env: process.env,
  fetch,
  newKey: randomUUID,
  version,
  async signIn(settings) {
    const { composeUserSignIn } = await import("../app/composition.js");
    return composeUserSignIn(settings);
  },
  async runAudit(command, options) {
    const audit = await import("./audit.js");
    return audit.runAuditSubcommand(command, options, () => audit.configuredStore(process.env), audit.processIo());
  },
});
// Let stdout drain before leaving (a pipe to jq must get the whole document).
process.exitCode = status;
