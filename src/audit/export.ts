// The audit export: every request trail of a time range (optionally of one cluster) and the daily
// streams' entries of that range, as JSONL records that can be verified offline, or as CSV for
// reading; and that offline verification of a JSONL export.
import { verifyChain, verifyDailyStream } from "../domain/auditChain.js";
import {
  auditKeyOf,
  DAILY_STREAM_KINDS,
  dailyStreamsBetween,
  isDailyStream,
  type AuditEntry,
  type AuditHead,
  type ChainVerdict,
} from "../domain/audit.js";
import type { ManagedCluster } from "../domain/clusters.js";
import type { AuditIndex } from "../ports/auditIndex.js";
import type { RequestStore } from "../ports/requestStore.js";
import { readRequestTrail, verifyRequestTrail, type TrailSources } from "./verification.js";

export interface ExportSources extends TrailSources {
  readonly auditIndex: Pick<AuditIndex, "find" | "get">;
  /** Also listed, so that an export finds requests whose index listing was deleted. */
  readonly requests: Pick<RequestStore, "get" | "list">;
}

export type ExportFormat = "jsonl" | "csv";

export interface ExportRange {
  readonly from: Date;
  readonly to: Date;
  readonly cluster?: ManagedCluster;
}

/** Where an export goes as it is read. */
export interface ExportOutput {
  /** Text of the export itself (each record ends with a newline). */
  readonly write: (text: string) => void;
  /** A trail or daily stream that does not verify: it is exported all the same. */
  readonly broken: (stream: string, verdict: ChainVerdict) => void;
  readonly progress: (done: number, total: number, unit: "requests" | "days") => void;
}

const CSV_COLUMNS = [
  /** A request's id, or a daily stream's name (its entries are not chained). */
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

export const CSV_HEADER = CSV_COLUMNS.join(",");

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

/** The requests of the range: those the index lists, then those whose listing was deleted. */
export async function requestsInRange(store: ExportSources, range: ExportRange, now: () => Date): Promise<string[]> {
  const query = { ...(range.cluster ? { cluster: range.cluster.id } : {}), from: range.from, to: range.to };
  const requestIds: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.auditIndex.find({ ...query, limit: 100, ...(after ? { after } : {}) });
    requestIds.push(...page.requests.map((request) => request.requestId));
    after = page.next;
  } while (after);
  return [...requestIds, ...(await unlistedRequests(store, range, new Set(requestIds), now))];
}

/**
 * Requests of the range that the requests table has and the index does not list, and whose trail
 * does not verify: their listing was deleted. (One listed in a neighbouring range, its first entry
 * a moment after its request, verifies and is left to that range's export.)
 */
async function unlistedRequests(
  store: ExportSources,
  range: ExportRange,
  listed: ReadonlySet<string>,
  now: () => Date,
): Promise<string[]> {
  const [from, to] = [range.from.toISOString(), range.to.toISOString()];
  const candidates = (await store.requests.list(range.cluster ? { clusterId: range.cluster.id } : {})).filter(
    (request) => request.requestedAt >= from && request.requestedAt < to && !listed.has(request.id),
  );
  const unlisted: string[] = [];
  for (const request of candidates) {
    const verdict = await verifyRequestTrail(store, request.id, now());
    if (verdict && !verdict.ok) unlisted.push(request.id);
  }
  return unlisted.sort();
}

/** Writes each request's trail (in JSONL, with the head that vouches for it); returns how many do not verify. */
export async function exportRequests(
  store: ExportSources,
  requestIds: readonly string[],
  format: ExportFormat,
  output: ExportOutput,
  now: () => Date,
): Promise<number> {
  let broken = 0;
  for (const [index, requestId] of requestIds.entries()) {
    const { entries, head, indexed, verdict } = await readRequestTrail(store, requestId, now());
    if (!verdict?.ok) {
      broken++;
      output.broken(requestId, verdict ?? { ok: false, entries: 0, brokenAt: 0, reason: "no trail" });
    }
    if (format === "jsonl") {
      const { sealed: _sealed, ...plainHead } = head ?? { sealed: false };
      output.write(
        `${JSON.stringify({ record: "request", requestId, cluster: indexed?.cluster, requestedAt: indexed?.requestedAt, requester: indexed?.requester, head: head ? plainHead : null })}\n`,
      );
      for (const { stream: _stream, key: _key, ...entry } of entries)
        output.write(`${JSON.stringify({ record: "entry", requestId, ...entry })}\n`);
    } else {
      for (const entry of entries) output.write(`${csvRow(entry)}\n`);
    }
    output.progress(index + 1, requestIds.length, "requests");
  }
  return broken;
}

/** Writes what happened outside any request in the range: refusals, the watchdog, group watch. */
export async function exportDailyStreams(
  store: Pick<ExportSources, "audit">,
  range: ExportRange,
  format: ExportFormat,
  output: ExportOutput,
): Promise<{ readonly entries: number; readonly broken: number }> {
  const [from, to] = [range.from.toISOString(), range.to.toISOString()];
  const streams = dailyStreamsBetween(range.from, range.to);
  let exported = 0;
  let broken = 0;
  for (const [index, stream] of streams.entries()) {
    const entries = await store.audit.readStream(stream);
    const verdict = verifyDailyStream(stream, entries);
    if (!verdict.ok) {
      broken++;
      output.broken(stream, verdict);
    }
    const inRange = entries.filter(
      (entry) => entry.at >= from && entry.at < to && (!range.cluster || entry.cluster === range.cluster.id),
    );
    exported += inRange.length;
    for (const entry of inRange)
      output.write(format === "jsonl" ? `${JSON.stringify({ record: "entry", ...entry })}\n` : `${csvRow(entry)}\n`);
    if ((index + 1) % DAILY_STREAM_KINDS.length === 0)
      output.progress((index + 1) / DAILY_STREAM_KINDS.length, streams.length / DAILY_STREAM_KINDS.length, "days");
  }
  return { entries: exported, broken };
}

/** A line of an export that is not one of its records. */
export class ExportFormatError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** The verdict on every stream of a JSONL export, and how many requests and daily streams it holds. */
export interface ExportVerdicts {
  readonly verdicts: readonly (readonly [stream: string, verdict: ChainVerdict])[];
  readonly requests: number;
  readonly dailyStreams: number;
}

/**
 * Verifies an export offline: every request's chain against the head exported with it, every
 * daily entry against its hash. Head seals need the app's key: they are checked online only.
 */
export async function verifyExport(lines: AsyncIterable<string>): Promise<ExportVerdicts> {
  const { requests, daily } = await readExport(lines);
  return {
    verdicts: [
      ...[...requests].map(
        ([requestId, { head, entries }]) => [requestId, verifyChain(requestId, entries, head)] as const,
      ),
      ...[...daily].map(([stream, entries]) => [stream, verifyDailyStream(stream, entries)] as const),
    ],
    requests: requests.size,
    dailyStreams: daily.size,
  };
}

async function readExport(lines: AsyncIterable<string>) {
  const requests = new Map<string, { head: AuditHead | undefined; entries: AuditEntry[] }>();
  const daily = new Map<string, AuditEntry[]>();
  let line = 0;
  for await (const text of lines) {
    line++;
    if (!text.trim()) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ExportFormatError(line, "not JSON");
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
    } else throw new ExportFormatError(line, "neither a request nor an entry record");
  }
  return { requests, daily };
}
