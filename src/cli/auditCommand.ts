// `breakglass audit verify|export`: the audit command of `npm run audit`, with the same options and
// exit statuses (0 verifies, 1 broken, 2 usage); it reads the storage itself, not the server.
import { Command } from "commander";
import type { AuditOptions } from "./audit.js";
import type { Terminal } from "./terminal.js";

/** `audit verify|export`, whose storage (and SDKs) are loaded only when one runs. */
export type RunAudit = (command: "verify" | "export", options: AuditOptions) => Promise<number>;

export function auditCommand(
  deps: { readonly terminal: Pick<Terminal, "out" | "err">; readonly runAudit: RunAudit },
  exit: { code: number },
): Command {
  const output = { writeOut: deps.terminal.out, writeErr: deps.terminal.err };
  const audit = new Command("audit")
    .description("verify or export the audit trail, straight from the storage (AzureWebJobsStorage)")
    .exitOverride()
    .configureOutput(output);
  audit
    .command("verify")
    .description("verify one request's trail, a daily stream, or an export file offline")
    .option("--request <id>", "a request's trail")
    .option("--stream <name>", "a daily stream: security-, watchdog-, groups- or readiness-YYYY-MM-DD")
    .option("--file <export.jsonl>", "an export, verified offline")
    .addHelpText(
      "after",
      "\nExits 0 when it verifies, 1 when a trail is broken, 2 for a usage error.\nExample:\n  breakglass audit verify --request bg-…",
    )
    .exitOverride()
    .configureOutput(output)
    .action(async (options: { request?: string; stream?: string; file?: string }) => {
      exit.code = await deps.runAudit("verify", options);
    });
  audit
    .command("export")
    .description("export every trail and daily stream of a time range, verifying as it goes")
    .requiredOption("--from <date>", "ISO-8601 date or time")
    .requiredOption("--to <date>", "ISO-8601 date or time")
    .option("--cluster <name|id>", "only this cluster's requests")
    .option("--format <jsonl|csv>", "jsonl (default) or csv")
    .option("--out <file>", "write here instead of stdout")
    .addHelpText(
      "after",
      "\nExample:\n  breakglass audit export --from 2026-11-01 --to 2026-12-01 --format csv --out trail.csv",
    )
    .exitOverride()
    .configureOutput(output)
    .action(async (options: { from: string; to: string; cluster?: string; format?: string; out?: string }) => {
      exit.code = await deps.runAudit("export", options);
    });
  return audit;
}
