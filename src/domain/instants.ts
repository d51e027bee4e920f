// Instants given by people (query parameters, command-line options): ISO-8601 dates or times,
// checked strictly, since Date.parse quietly rolls 2026-02-31 over to March 3.

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A date (midnight UTC) or a time with its offset; undefined for anything else, impossible dates included. */
export function parseInstant(text: string): Date | undefined {
  const parts = INSTANT.exec(text);
  if (!parts) return undefined;
  const [, year, month, day, hour = "00", minute = "00", second = "00", zone] = parts;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const real = calendar.getUTCMonth() === Number(month) - 1 && calendar.getUTCDate() === Number(day);
  if (!real || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  if (zone && zone !== "Z" && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4)) > 59)) return undefined;
  const ms = Date.parse(zone ? text : `${text}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
