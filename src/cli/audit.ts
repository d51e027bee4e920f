// npm run audit -- verify --request <id>
// npm run audit -- verify --stream <security|watchdog|groups>-<YYYY-MM-DD>
// npm run audit -- verify --file <export.jsonl>
// npm run audit -- export --from <date> --to <date> [--cluster <name or id>] [--format jsonl|csv] [--out <file>]
//
// The audit trail from the command line, against the configured storage (AzureWebJobsStorage;
// Azurite when unset). Exit status: 0 when everything verifies, 1 when a trail is broken, 2 for a
// usage or configuration error.
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { verifyChain, verifyDailyStream } from "../domain/auditChain.js";
import { readRequestTrail, verifyRequestTrail, type TrailSources } from "../audit/verification.js";
import { composeAuditStore } from "../app/composition.js";
import { ConfigError, parseConfig } from "../app/config.js";
import { clusterNamed, type ManagedCluster } from "../domain/clusters.js";
import {
  auditKeyOf,
  DAILY_STREAM_KINDS,
  dailyStreamsBetween,
  isDailyStream,
  type AuditEntry,
  type AuditHead,
  type ChainVerdict,
} from "../domain/audit.js";
import { isRequestId } from "../domain/ids.js";
import { parseInstant } from "../domain/instants.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { RequestStore } from "../ports/requestStore.js";

export interface CliIo {
  readonly write: (text: string) => void;
  readonly error: (text: string) => void;
  /** Whether a progress bar can redraw itself (stderr is a terminal). */
  readonly interactive: boolean;
  readonly openOut: (path: string) => { write: (text: string) => void; close: () => Promise<void> };
  readonly readLines: (path: string) => AsyncIterable<string>;
}

export interface CliStore extends TrailSources {
  readonly auditIndex: AuditIndex;
  /** Also listed, so that an export finds requests whose index listing was deleted. */
  readonly requests: Pick<RequestStore, "get" | "list">;
  /** The managed clusters, so that --cluster may name one. */
  readonly clusters: readonly ManagedCluster[];
}

const USAGE = `usage:
  npm run audit -- verify --request <request id>
  npm run audit -- verify --stream <security|watchdog|groups>-<YYYY-MM-DD>
  npm run audit -- verify --file <export.jsonl>
  npm run audit -- export --from <date> --to <date> [--cluster <name or id>] [--format jsonl|csv] [--out <file>]`;

class UsageError extends Error {}

/** A one-line progress bar: redrawn in place on a terminal, silent otherwise. */
export function progressBar(done: number, total: number, width = 30, unit = "requests"): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} ${unit}`;
}

function describe(stream: string, verdict: ChainVerdict): string {
  return verdict.ok
    ? `${stream}: ok, ${verdict.entries} entries`
    : `${stream}: BROKEN at entry ${verdict.brokenAt} of ${verdict.entries}: ${verdict.reason}`;
}

/** A request's id, or a daily stream's name (its entries are not chained). */
const CSV_COLUMNS = [
  "stream",
  "sequence",
  "at",
  "type",
  "actorOid",
  "actorUpn",
  "cluster",
  "outcome",
  "code",
  "message",
  "details",
  "prevHash",
  "hash",
] as const;

function csvCell(value: unknown): string {
  const raw = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  // Requesters write justifications: a cell a spreadsheet would run as a formula is quoted as text
  // (OWASP's advice for CSV injection). JSONL is the verifiable export; CSV is for reading.
  const text = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(entry: AuditEntry): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    stream: entry.stream,
    sequence: entry.sequence,
    at: entry.at,
    type: entry.type,
    actorOid: entry.actor?.oid,
    actorUpn: entry.actor?.upn,
    cluster: entry.cluster,
    outcome: entry.outcome,
    code: entry.code,
    message: entry.message,
    details: entry.details,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
  return CSV_COLUMNS.map((column) => csvCell(cells[column])).join(",");
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
  io.write(`${describe(requestId, verdict)}\n`);
  return verdict.ok ? 0 : 1;
}

async function verifyStream(store: CliStore, io: CliIo, stream: string): Promise<number> {
  if (!isDailyStream(stream))
    throw new UsageError(`--stream: ${stream} is not a daily stream (security-, watchdog- or groups-YYYY-MM-DD)`);
  const entries = await store.audit.readStream(stream);
  if (!entries.length) {
    io.error(`no entries in ${stream} in this storage\n`);
    return 2;
  }
  const verdict = verifyDailyStream(stream, entries);
  io.write(`${describe(stream, verdict)}\n`);
  return verdict.ok ? 0 : 1;
}

/** Verifies an export offline: every request's chain against the head exported with it, every daily entry against its hash. */
async function verifyFile(io: CliIo, path: string): Promise<number> {
  const requests = new Map<string, { head: AuditHead | undefined; entries: AuditEntry[] }>();
  const daily = new Map<string, AuditEntry[]>();
  let line = 0;
  for await (const text of io.readLines(path)) {
    line++;
    if (!text.trim()) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new UsageError(`${path}:${line}: not JSON`);
    }
    if (
      record.record === "entry" &&
      record.requestId === undefined &&
      typeof record.stream === "string" &&
      isDailyStream(record.stream)
    ) {
      const { record: _record, ...entry } = record;
      daily.set(record.stream, [...(daily.get(record.stream) ?? []), entry as unknown as AuditEntry]);
      continue;
    }
    const requestId = String(record.requestId);
    const known = requests.get(requestId) ?? { head: undefined, entries: [] };
    requests.set(requestId, known);
    if (record.record === "request") known.head = (record.head as AuditHead | null) ?? undefined;
    else if (record.record === "entry") {
      const { record: _record, requestId: _id, ...entry } = record;
      const sequence = typeof entry.sequence === "number" ? entry.sequence : -1;
      known.entries.push({
        ...(entry as unknown as AuditEntry),
        stream: requestId,
        key: sequence >= 0 ? auditKeyOf(sequence) : "",
      });
    } else throw new UsageError(`${path}:${line}: neither a request nor an entry record`);
  }
  let broken = 0;
  const verdicts = [
    ...[...requests].map(
      ([requestId, { head, entries }]) => [requestId, verifyChain(requestId, entries, head)] as const,
    ),
    ...[...daily].map(([stream, entries]) => [stream, verifyDailyStream(stream, entries)] as const),
  ];
  for (const [stream, verdict] of verdicts) {
    if (!verdict.ok) broken++;
    io.write(`${describe(stream, verdict)}\n`);
  }
  io.write(
    `${requests.size} request(s) and ${daily.size} daily stream(s) verified offline, ${broken} broken (head seals need the app's key and are checked online)\n`,
  );
  return broken ? 1 : 0;
}

/**
 * Requests of the range that the requests table has and the index does not list, and whose trail
 * does not verify: their listing was deleted. (One listed in a neighbouring range, its first entry
 * a moment after its request, verifies and is left to that range's export.)
 */
async function unlistedRequests(
  store: CliStore,
  query: { readonly cluster?: string; readonly from: Date; readonly to: Date },
  listed: ReadonlySet<string>,
): Promise<string[]> {
  const [from, to] = [query.from.toISOString(), query.to.toISOString()];
  const candidates = (await store.requests.list(query.cluster ? { clusterId: query.cluster } : {})).filter(
    (request) => request.requestedAt >= from && request.requestedAt < to && !listed.has(request.id),
  );
  const unlisted: string[] = [];
  for (const request of candidates) {
    const verdict = await verifyRequestTrail(store, request.id, new Date());
    if (verdict && !verdict.ok) unlisted.push(request.id);
  }
  return unlisted.sort();
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
    throw new UsageError("--cluster: not a managed cluster's name or an AKS resource id");
  const query = { ...(cluster ? { cluster: cluster.id } : {}), from, to };

  const requestIds: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.auditIndex.find({ ...query, limit: 100, ...(after ? { after } : {}) });
    requestIds.push(...page.requests.map((request) => request.requestId));
    after = page.next;
  } while (after);
  requestIds.push(...(await unlistedRequests(store, query, new Set(requestIds))));

  const out = options.out ? io.openOut(options.out) : { write: io.write, close: async () => undefined };
  if (format === "csv") out.write(`${CSV_COLUMNS.join(",")}\n`);
  let broken = 0;
  for (const [index, requestId] of requestIds.entries()) {
    const { entries, head, indexed, verdict } = await readRequestTrail(store, requestId, new Date());
    if (!verdict?.ok) {
      broken++;
      io.error(`${describe(requestId, verdict ?? { ok: false, entries: 0, brokenAt: 0, reason: "no trail" })}\n`);
    }
    if (format === "jsonl") {
      const { sealed: _sealed, ...plainHead } = head ?? { sealed: false };
      out.write(
        `${JSON.stringify({ record: "request", requestId, cluster: indexed?.cluster, requestedAt: indexed?.requestedAt, requester: indexed?.requester, head: head ? plainHead : null })}\n`,
      );
      for (const { stream: _stream, key: _key, ...entry } of entries)
        out.write(`${JSON.stringify({ record: "entry", requestId, ...entry })}\n`);
    } else {
      for (const entry of entries) out.write(`${csvRow(entry)}\n`);
    }
    if (io.interactive) io.error(`\r${progressBar(index + 1, requestIds.length)}`);
  }
  if (io.interactive) io.error("\n");

  // What happened outside any request in the range: refusals, the watchdog, group watch.
  const streams = dailyStreamsBetween(from, to);
  let dailyEntries = 0;
  for (const [index, stream] of streams.entries()) {
    const entries = await store.audit.readStream(stream);
    const verdict = verifyDailyStream(stream, entries);
    if (!verdict.ok) {
      broken++;
      io.error(`${describe(stream, verdict)}\n`);
    }
    const inRange = entries.filter(
      (entry) =>
        entry.at >= from.toISOString() && entry.at < to.toISOString() && (!cluster || entry.cluster === cluster.id),
    );
    dailyEntries += inRange.length;
    for (const entry of inRange)
      out.write(format === "jsonl" ? `${JSON.stringify({ record: "entry", ...entry })}\n` : `${csvRow(entry)}\n`);
    if (io.interactive && (index + 1) % DAILY_STREAM_KINDS.length === 0)
      io.error(
        `\r${progressBar((index + 1) / DAILY_STREAM_KINDS.length, streams.length / DAILY_STREAM_KINDS.length, undefined, "days")}`,
      );
  }
  await out.close();
  if (io.interactive) io.error("\n");
  io.error(
    `exported ${requestIds.length} request(s) and ${dailyEntries} entries of the daily streams from ${from.toISOString()} to ${to.toISOString()}${broken ? `; ${broken} trail(s) do NOT verify` : ""}\n`,
  );
  return broken ? 1 : 0;
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
    if (
      command === "verify" &&
      [values.file, values.request, values.stream].filter((value) => value !== undefined).length > 1
    ) {
      throw new UsageError("verify: one of --request, --stream or --file");
    }
    if (command === "verify" && values.file) return await verifyFile(io, values.file);
    if (command === "verify" && values.request) return await verifyRequest(store(), io, values.request);
    if (command === "verify" && values.stream) return await verifyStream(store(), io, values.stream);
    if (command === "export") return await exportTrail(store(), io, values);
    throw new UsageError(command ? `unknown command or missing option: ${command}` : "a command is required");
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      io.error(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

function main(): void {
  const io: CliIo = {
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
  // Simulation defaults unless BREAKGLASS_MODE says otherwise: storage is Azurite, the seal key the published dev key.
  const store = () => {
    const config = parseConfig({ BREAKGLASS_MODE: "simulation", ...process.env });
    return { ...composeAuditStore(config), clusters: config.clusters };
  };
  runAuditCommand(process.argv.slice(2), store, io).then(
    (status) => process.exit(status),
    (error: unknown) => {
      process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
