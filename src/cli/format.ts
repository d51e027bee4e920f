// How the command writes for people: times in the reader's own zone and in UTC (an incident
// channel speaks UTC, the person at the keyboard reads their clock), plain tables, and text that
// came from someone else made inert, so that a justification cannot move the cursor or clear the
// screen of whoever lists it (docs/design.md §8.9).
import { instantInWords } from "../domain/humanTime.js";
import { neutralise } from "../domain/userText.js";

/** Someone else's text, safe to print on a terminal. */
export const inert = (text: string): string => neutralise(text, "text");

const UTC_ZONES = new Set(["UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu"]);

/** "03:47 CET / 02:47 UTC (in 59 minutes)"; only the UTC part where the local zone is UTC. */
export function when(iso: string, now: Date, timeZone?: string): string {
  const inUtc = instantInWords(iso, now);
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return inUtc;
  const local = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
    ...(timeZone ? { timeZone } : {}),
  });
  if (UTC_ZONES.has(local.resolvedOptions().timeZone)) return inUtc;
  return `${local.format(at)} / ${inUtc}`;
}

/** A word for a shell command line, quoted only when it must be. */
export function shellWord(word: string): string {
  return /^[\w./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** At most `width` characters of someone else's text, on one line. */
export function clip(text: string, width: number): string {
  const line = inert(text).replace(/\s+/g, " ").trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
