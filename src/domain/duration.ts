// ISO-8601 durations as policy uses them: days, hours, minutes and seconds only.
// Years and months are refused because their length depends on the calendar,
// and a security window must have one exact length.

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Milliseconds of an ISO-8601 duration such as `PT1H30M`, or undefined when it is not one we accept. */
export function parseIsoDuration(text: string): number | undefined {
  const normalized = text.trim().toUpperCase();
  const match = ISO_DURATION.exec(normalized);
  // The pattern admits a bare "P" or a dangling "T"; neither names a length.
  if (!match || normalized.endsWith("T")) return undefined;
  const [, days, hours, minutes, seconds] = match;
  if (days === undefined && hours === undefined && minutes === undefined && seconds === undefined) return undefined;
  return (
    Number(days ?? 0) * DAY_MS +
    Number(hours ?? 0) * HOUR_MS +
    Number(minutes ?? 0) * MINUTE_MS +
    Math.round(Number(seconds ?? 0) * SECOND_MS)
  );
}

/** The shortest ISO-8601 spelling of a whole number of milliseconds, e.g. 5_400_000 → `PT1H30M`. */
export function formatIsoDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  let rest = Math.round(ms);
  const days = Math.floor(rest / DAY_MS);
  rest -= days * DAY_MS;
  const hours = Math.floor(rest / HOUR_MS);
  rest -= hours * HOUR_MS;
  const minutes = Math.floor(rest / MINUTE_MS);
  rest -= minutes * MINUTE_MS;
  const seconds = rest / SECOND_MS;
  const time = `${hours ? `${hours}H` : ""}${minutes ? `${minutes}M` : ""}${seconds ? `${seconds}S` : ""}`;
  if (!days && !time) return "PT0S";
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}

const TYPED_DURATION = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$/;

/**
 * Milliseconds of a duration as people type it on a command line — `90m`, `1h`, `1h30m`, `10s`,
 * `2d` — or of an ISO-8601 one (`PT1H`); undefined for anything else, zero included.
 */
export function parseTypedDuration(text: string): number | undefined {
  const typed = text.trim().toLowerCase();
  const match = TYPED_DURATION.exec(typed);
  if (!match || typed === "") return parseIsoDuration(text) || undefined;
  const [, days, hours, minutes, seconds] = match;
  const ms =
    Number(days ?? 0) * DAY_MS +
    Number(hours ?? 0) * HOUR_MS +
    Number(minutes ?? 0) * MINUTE_MS +
    Number(seconds ?? 0) * SECOND_MS;
  return ms || undefined;
}
