// npm run audit -- verify --request <id>
// npm run audit -- verify --stream <security|watchdog|groups|readiness>-<YYYY-MM-DD>
// npm run audit -- verify --file <export.jsonl>
// npm run audit -- export --from <date> --to <date> [--cluster <name or id>] [--format jsonl|csv] [--out <file>]
//
// The audit trail from the command line, against the configured storage (AzureWebJobsStorage, or
// the identity-based AzureWebJobsStorage__* settings as the app reads them; Azurite when unset). Exit status: 0 when everything verifies, 1 when a trail is broken, 2 for a
// usage or configuration error.
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { isDailyStream, type ChainVerdict } from "../domain/audit.js";
import { verifyDailyStream } from "../domain/auditChain.js";
import { clusterNamed, type ManagedCluster } from "../domain/clusters.js";
import { isRequestId } from "../domain/ids.js";
import { parseInstant } from "../domain/instants.js";
import {
  CSV_HEADER,
  exportDailyStreams,
  ExportFormatError,
  exportRequests,
  requestsInRange,
  verifyExport,
  type ExportOutput,
  type ExportSources,
} from "../audit/export.js";
import { verifyRequestTrail } from "../audit/verification.js";
import { composeAuditStore } from "../app/composition.js";
import { ConfigError, parseConfig } from "../app/config.js";

export interface CliIo {
  readonly write: (text: string) => void;
  readonly error: (text: string) => void;
  /** Whether a progress bar can redraw itself (stderr is a terminal). */
  readonly interactive: boolean;
  readonly openOut: (path: string) => { write: (text: string) => void; close: () => Promise<void> };
  readonly readLines: (path: string) => AsyncIterable<string>;
}

export interface CliStore extends ExportSources {
  /** The managed clusters, so that --cluster may name one. */
  readonly clusters: readonly ManagedCluster[];
}

const USAGE = `usage:
  npm run audit -- verify --request <request id>
  npm run audit -- verify --stream <security|watchdog|groups|readiness>-<YYYY-MM-DD>
  npm run audit -- verify --file <export.jsonl>
  npm run audit -- export --from <date> --to <date> [--cluster <name or id>] [--format jsonl|csv] [--out <file>]`;

class UsageError extends Error {}

/** A one-line progress bar: redrawn in place on a terminal, silent otherwise. */
export function progressBar(done: number, total: number, width = 30, unit = "requests"): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} ${unit}`;
}

function verdictLine(stream: string, verdict: ChainVerdict): string {
  return verdict.ok
    ? `${stream}: ok, ${verdict.entries} entries`
    : `${stream}: BROKEN at entry ${verdict.brokenAt} of ${verdict.entries}: ${verdict.reason}`;
}

function dateOption(value: string | undefined, name: string): Date {
  const at = value === undefined ? undefined : parseInstant(value);
  if (!at) throw new UsageError(`--${name}: an ISO-8601 date or time is required, e.g. 2026-11-01`);
  return at;
}

async function verifyRequest(store: CliStore, io: CliIo, requestId: string): Promise<number> {
  if (!isRequestId(requestId)) throw new UsageError(`--request: ${requestId} is not a request id`);
  const verdict = await verifyRequestTrail(store, requestId, new Date());
  if (!verdict) {
    io.error(`no audit trail for ${requestId} in this storage\n`);
    return 2;
  }
  io.write(`${verdictLine(requestId, verdict)}\n`);
  return verdict.ok ? 0 : 1;
}

async function verifyStream(store: CliStore, io: CliIo, stream: string): Promise<number> {
  if (!isDailyStream(stream))
    throw new UsageError(
      `--stream: ${stream} is not a daily stream (security-, watchdog-, groups- or readiness-YYYY-MM-DD)`,
    );
  const entries = await store.audit.readStream(stream);
  if (!entries.length) {
    io.error(`no entries in ${stream} in this storage\n`);
    return 2;
  }
  const verdict = verifyDailyStream(stream, entries);
  io.write(`${verdictLine(stream, verdict)}\n`);
  return verdict.ok ? 0 : 1;
}

async function verifyFile(io: CliIo, path: string): Promise<number> {
  let verified;
  try {
    verified = await verifyExport(io.readLines(path));
  } catch (error) {
    if (error instanceof ExportFormatError) throw new UsageError(`${path}:${error.line}: ${error.message}`);
    throw error;
  }
  const broken = verified.verdicts.filter(([, verdict]) => !verdict.ok).length;
  for (const [stream, verdict] of verified.verdicts) io.write(`${verdictLine(stream, verdict)}\n`);
  io.write(
    `${verified.requests} request(s) and ${verified.dailyStreams} daily stream(s) verified offline, ${broken} broken (head seals need the app's key and are checked online)\n`,
  );
  return broken ? 1 : 0;
}

async function exportTrail(
  store: CliStore,
  io: CliIo,
  options: { from?: string; to?: string; cluster?: string; format?: string; out?: string },
): Promise<number> {
  const from = dateOption(options.from, "from");
  const to = dateOption(options.to, "to");
  if (to <= from) throw new UsageError("--to must be after --from");
  const format = options.format ?? "jsonl";
  if (format !== "jsonl" && format !== "csv") throw new UsageError("--format: jsonl or csv");
  const cluster = options.cluster === undefined ? undefined : clusterNamed(store.clusters, options.cluster);
  if (options.cluster !== undefined && !cluster)
    // Offline, the command knows only the listed clusters: one found by tag is named by its id.
    throw new UsageError(
      "--cluster: not a listed cluster's name or an AKS resource id (name a tagged cluster by its id)",
    );
  const range = { from, to, ...(cluster ? { cluster } : {}) };
  const now = () => new Date();

  const requestIds = await requestsInRange(store, range, now);
  const out = options.out ? io.openOut(options.out) : { write: io.write, close: async () => undefined };
  const output: ExportOutput = {
    write: out.write,
    broken: (stream, verdict) => io.error(`${verdictLine(stream, verdict)}\n`),
    progress: (done, total, unit) => {
      if (io.interactive) io.error(`\r${progressBar(done, total, undefined, unit)}`);
    },
  };
  if (format === "csv") out.write(`${CSV_HEADER}\n`);
  const brokenRequests = await exportRequests(store, requestIds, format, output, now);
  if (io.interactive) io.error("\n");
  const daily = await exportDailyStreams(store, range, format, output);
  await out.close();
  if (io.interactive) io.error("\n");
  const broken = brokenRequests + daily.broken;
  io.error(
    `exported ${requestIds.length} request(s) and ${daily.entries} entries of the daily streams from ${from.toISOString()} to ${to.toISOString()}${broken ? `; ${broken} trail(s) do NOT verify` : ""}\n`,
  );
  return broken ? 1 : 0;
}

export interface AuditOptions {
  readonly request?: string;
  readonly stream?: string;
  readonly file?: string;
  readonly from?: string;
  readonly to?: string;
  readonly cluster?: string;
  readonly format?: string;
  readonly out?: string;
}

/** `verify` or `export` with its options, as both `npm run audit` and `breakglass audit` parse them. */
async function runAudit(command: string | undefined, options: AuditOptions, store: () => CliStore, io: CliIo) {
  if (
    command === "verify" &&
    [options.file, options.request, options.stream].filter((value) => value !== undefined).length > 1
  ) {
    throw new UsageError("verify: one of --request, --stream or --file");
  }
  if (command === "verify" && options.file) return await verifyFile(io, options.file);
  if (command === "verify" && options.request) return await verifyRequest(store(), io, options.request);
  if (command === "verify" && options.stream) return await verifyStream(store(), io, options.stream);
  if (command === "export") return await exportTrail(store(), io, options);
  throw new UsageError(command ? `unknown command or missing option: ${command}` : "a command is required");
}

const isUsageError = (error: unknown): error is Error =>
  error instanceof UsageError ||
  error instanceof ConfigError ||
  (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"));

/** `breakglass audit verify|export`: the same commands and exit statuses; usage errors as one line. */
export async function runAuditSubcommand(
  command: "verify" | "export",
  options: AuditOptions,
  store: () => CliStore,
  io: CliIo,
): Promise<number> {
  try {
    return await runAudit(command, options, store, io);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    io.error(`breakglass audit ${command}: ${error.message}\n`);
    return 2;
  }
}

/** Runs one command; returns the exit status. */
export async function runAuditCommand(argv: readonly string[], store: () => CliStore, io: CliIo): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        request: { type: "string" },
        stream: { type: "string" },
        file: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        cluster: { type: "string" },
        format: { type: "string" },
        out: { type: "string" },
      },
    });
    const [command, ...rest] = positionals;
    if (rest.length) throw new UsageError(`unexpected ${rest.join(" ")}`);
    return await runAudit(command, values, store, io);
  } catch (error) {
    if (isUsageError(error)) {
      io.error(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

/** The process's own output and files, as the audit commands use them. */
export function processIo(): CliIo {
  return {
    write: (text) => process.stdout.write(text),
    error: (text) => process.stderr.write(text),
    interactive: process.stderr.isTTY === true,
    openOut(path) {
      const stream = createWriteStream(path, { encoding: "utf8" });
      return {
        write: (text) => void stream.write(text),
        close: () =>
          new Promise<void>((resolve, reject) =>
            stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
          ),
      };
    },
    readLines: (path) => createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity }),
  };
}

/** The configured storage (simulation defaults unless BREAKGLASS_MODE says otherwise: Azurite and the published dev key). */
export function configuredStore(env: NodeJS.ProcessEnv): CliStore {
  const config = parseConfig({ BREAKGLASS_MODE: "simulation", ...env });
  return { ...composeAuditStore(config), clusters: config.clusters };
}

function main(): void {
  runAuditCommand(process.argv.slice(2), () => configuredStore(process.env), processIo()).then(
    (status) => process.exit(status),
    (error: unknown) => {
      process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
