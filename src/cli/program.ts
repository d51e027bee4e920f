// `breakglass`: the commands of docs/design.md §9 on commander. Each command signs in the way the
// server's mode needs, does one thing, and ends with an exit status of exits.ts; whatever goes wrong
// is one line on stderr (a stack trace only with BREAKGLASS_DEBUG=1).
import { Command, CommanderError, Option } from "commander";
import { ApiClient } from "./client.js";
import type { Context } from "./context.js";
import { approveRequest, closeRequest, denyRequest, extendRequest } from "./deciding.js";
import { CliFailure, EXIT, usage } from "./exits.js";
import { showEvidence, showReadiness } from "./reports.js";
import { createRequest, listClusters, listRequests, showRequest } from "./requesting.js";
import { signIn, type Environment, type UserSignInFactory } from "./session.js";
import { inertTerminal, type Terminal } from "./terminal.js";
import { auditCommand, type RunAudit } from "./auditCommand.js";

export interface ProgramDependencies {
  readonly terminal: Terminal;
  readonly env: Environment;
  readonly fetch: typeof fetch;
  readonly signIn: UserSignInFactory;
  readonly newKey: () => string;
  readonly version: string;
  readonly runAudit: RunAudit;
  readonly pollMs?: number;
}

export const DEFAULT_URL = "http://127.0.0.1:7071";

interface GlobalOptions {
  readonly url?: string;
  readonly json?: boolean;
  readonly user?: string;
}

function serverUrl(options: GlobalOptions, env: Environment): URL {
  const text = options.url ?? env.BREAKGLASS_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`--url: ${text} is not a URL (e.g. https://breakglass.contoso.com)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw usage(`--url: ${text} is not an http(s) URL`);
  return url;
}

const EXAMPLES = `
Examples:
  breakglass clusters
  breakglass request --cluster aks-prod-weu --reason "API server unreachable through Entra" --ticket INC-4711 --duration 1h --wait
  breakglass list --status pending-approval
  breakglass approve bg-…        breakglass deny bg-… --reason "use the runbook first"
  breakglass status bg-… --wait  breakglass extend bg-… --duration 30m   breakglass close bg-…

Exit status: 0 done (with --wait: the window is open), 1 error, 2 usage, 3 denied,
4 expired or timed out, 5 not allowed (401/403), 130 stopped with Ctrl-C.
In simulation, say who you are with --user alice@contoso.dev (or BREAKGLASS_USER); against Azure,
sign in with az login and set BREAKGLASS_SCOPE (device code sign-in when there is no Azure CLI).`;

/** A command's action: sign in, run, remember the exit status. */
function signedIn<Args extends unknown[]>(
  deps: ProgramDependencies,
  exit: { code: number },
  run: (context: Context, ...args: Args) => Promise<number>,
) {
  return async (...args: [...Args, Command]) => {
    const command = args[args.length - 1] as Command;
    const options = command.optsWithGlobals<GlobalOptions>();
    const client = new ApiClient({
      base: serverUrl(options, deps.env),
      fetch: deps.fetch,
      sleep: deps.terminal.sleep,
      timeoutMs: 30_000,
      attempts: 5,
    });
    const session = await signIn(client, {
      user: options.user,
      env: deps.env,
      signIn: deps.signIn,
      prompt: (message) => deps.terminal.err(`${message}\n`),
      now: deps.terminal.now,
    });
    const context = {
      client,
      session,
      terminal: deps.terminal,
      json: options.json === true,
      pollMs: deps.pollMs ?? 1000,
      newKey: deps.newKey,
    };
    exit.code = await run(context, ...(args.slice(0, -1) as Args));
  };
}

function build(deps: ProgramDependencies, exit: { code: number }): Command {
  const program = new Command("breakglass")
    .description("Ask for, approve and follow break-glass windows on AKS clusters.")
    .version(deps.version)
    .option("--url <url>", `the break-glass server (BREAKGLASS_URL; default ${DEFAULT_URL})`)
    .option("--json", "print one JSON document for scripts instead of text")
    .option("--user <upn>", "simulation only: sign in as this simulated person (BREAKGLASS_USER)")
    .addHelpText("after", EXAMPLES)
    .showHelpAfterError("(breakglass --help shows the commands)")
    .exitOverride()
    .configureOutput({ writeOut: deps.terminal.out, writeErr: deps.terminal.err });
  const command = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .exitOverride()
      .configureOutput({ writeOut: deps.terminal.out, writeErr: deps.terminal.err });
  const run = <Args extends unknown[]>(fn: (context: Context, ...args: Args) => Promise<number>) =>
    signedIn(deps, exit, fn);

  command("clusters", "the managed clusters, their local-account state and open windows").action(run(listClusters));
  command("request", "ask for a window of local-account access on one cluster")
    .requiredOption("--cluster <name|id>", "the cluster, by name or ARM resource id")
    .requiredOption("--reason <text>", "why: what is broken and what you will do")
    .requiredOption("--ticket <id>", "the incident or change ticket")
    .option("--duration <d>", "how long: 10s, 90m, 1h or ISO-8601 (PT1H); the policy's default when left out")
    .option("--wait", "wait until the window opens, then print the az aks get-credentials command")
    .option("--timeout <d>", "with --wait: give up waiting after this long (exit 4)")
    .addHelpText(
      "after",
      `\nExample:\n  breakglass request --cluster aks-prod-weu --reason "Entra sign-in broken" --ticket INC-4711 --duration 1h --wait`,
    )
    .action(run((context, options: Parameters<typeof createRequest>[1]) => createRequest(context, options)));
  command("status", "one request: its state, approvals, window and outcome")
    .argument("<id>", "the request id (bg-…)")
    .option("--wait", "wait until the window opens (or cannot)")
    .option("--timeout <d>", "with --wait: give up waiting after this long (exit 4)")
    .addHelpText("after", "\nExample:\n  breakglass status bg-… --wait")
    .action(
      run((context, id: string, options: { wait?: boolean; timeout?: string }) => showRequest(context, id, options)),
    );
  command("list", "requests (approvers); with --status pending-approval, those you may decide")
    .addOption(new Option("--status <status>", "only requests in this state"))
    .option("--cluster <name|id>", "only requests for this cluster")
    .addHelpText("after", "\nExample:\n  breakglass list --status pending-approval")
    .action(run((context, options: { status?: string; cluster?: string }) => listRequests(context, options)));
  command("approve", "approve a request (approvers; never your own)")
    .argument("<id>", "the request id")
    .addHelpText("after", "\nExample:\n  breakglass approve bg-…")
    .action(run((context, id: string) => approveRequest(context, id)));
  command("deny", "deny a request (approvers)")
    .argument("<id>", "the request id")
    .option("--reason <text>", "why, for the requester and the trail")
    .addHelpText("after", '\nExample:\n  breakglass deny bg-… --reason "use the runbook first"')
    .action(run((context, id: string, options: { reason?: string }) => denyRequest(context, id, options.reason)));
  command("close", "close an open window now, or withdraw a pending request (requester or approver)")
    .argument("<id>", "the request id")
    .addHelpText("after", "\nExample:\n  breakglass close bg-…")
    .action(run((context, id: string) => closeRequest(context, id)));
  command("extend", "ask for more time on an open window (requester); approved like the first time")
    .argument("<id>", "the request id")
    .requiredOption("--duration <d>", "how much longer: 30m, 1h or ISO-8601")
    .addHelpText("after", "\nExample:\n  breakglass extend bg-… --duration 30m")
    .action(run((context, id: string, options: { duration: string }) => extendRequest(context, id, options.duration)));
  command("readiness", "whether an open would succeed today, per cluster (approvers)")
    .addHelpText("after", "\nExits 1 when not ready.\nExample:\n  breakglass readiness")
    .action(run((context) => showReadiness(context)));
  command("evidence", "what was done with cluster-admin during a request's window, and after it")
    .argument("<id>", "the request id")
    .addHelpText("after", "\nExample:\n  breakglass evidence bg-…")
    .action(run((context, id: string) => showEvidence(context, id)));
  program.addCommand(auditCommand(deps, exit));
  return program;
}

/** Runs `breakglass` with these arguments (without "node" and the script); returns the exit status. */
export async function runBreakglass(argv: readonly string[], given: ProgramDependencies): Promise<number> {
  const deps = { ...given, terminal: inertTerminal(given.terminal) };
  const exit = { code: EXIT.done as number };
  try {
    await build(deps, exit).parseAsync([...argv], { from: "user" });
    return exit.code;
  } catch (error) {
    return failed(error, deps, argv);
  }
}

function failed(error: unknown, deps: ProgramDependencies, argv: readonly string[]): number {
  const { terminal } = deps;
  const json = argv.includes("--json");
  // With --json, a failure is the one document on stdout too: its code, its words, what is known.
  const document = (code: string | null, message: string, exitCode: number, known?: unknown) =>
    terminal.out(`${JSON.stringify({ error: { code, message }, exitCode, ...(known ?? {}) })}\n`);
  if (error instanceof CommanderError) {
    // Help and --version end with 0; a parse error has already been written by commander.
    if (error.exitCode === 0) return EXIT.done;
    if (json) document(null, error.message, EXIT.usage);
    return EXIT.usage;
  }
  if (error instanceof CliFailure) {
    if (json) document(error.code ?? null, error.message, error.exitCode, error.document);
    terminal.err(`breakglass: ${error.message}\n`);
    return error.exitCode;
  }
  const debug = deps.env.BREAKGLASS_DEBUG === "1";
  terminal.err(
    debug && error instanceof Error && error.stack
      ? `${error.stack}\n`
      : `breakglass: unexpected error: ${error instanceof Error ? error.message : String(error)} (BREAKGLASS_DEBUG=1 shows where)\n`,
  );
  return EXIT.error;
}
