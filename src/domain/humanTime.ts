// Durations and instants as people read them in notifications and pages: "1 hour 30 minutes",
// "21:38 UTC (in 2 minutes)". Always UTC, so that people in different time zones read the same
// words. What is data (API responses, audit entries, commands, links) keeps its ISO-8601 form.
// "Now" is a parameter: a notification says it as of when it is sent, a page as of when it is served.
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, parseIsoDuration } from "./duration.js";

const UNITS = [
  { ms: DAY_MS, name: "day" },
  { ms: HOUR_MS, name: "hour" },
  { ms: MINUTE_MS, name: "minute" },
  { ms: SECOND_MS, name: "second" },
] as const;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

const counted = (count: number, name: string): string => `${count} ${name}${count === 1 ? "" : "s"}`;

/** An exact length in words, e.g. 5_400_000 → "1 hour 30 minutes"; 0 → "0 seconds". */
export function durationInWords(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const unit of UNITS) {
    // Seconds take what is left, fractions included (PT1.5S is "1.5 seconds").
    const count = unit.ms === SECOND_MS ? rest / SECOND_MS : Math.floor(rest / unit.ms);
    rest -= count * unit.ms;
    if (count) parts.push(counted(count, unit.name));
  }
  return parts.length ? parts.join(" ") : counted(0, "second");
}

/** An ISO-8601 duration (as policy accepts them) in words; anything else as it was given. */
export function isoDurationInWords(iso: string): string {
  const ms = parseIsoDuration(iso);
  return ms === undefined ? iso : durationInWords(ms);
}

/**
 * A length as said of a moment ("in 2 minutes"), rounded to at most two units and never finer than
 * minutes once it is a minute or more: "1 day 3 hours", not "1 day 2 hours 41 minutes 7 seconds".
 */
function roughly(ms: number): number {
  const largest = UNITS.findIndex((unit) => ms >= unit.ms && unit.ms >= MINUTE_MS);
  const step = largest < 0 ? SECOND_MS : UNITS[Math.min(largest + 1, UNITS.length - 2)]!.ms;
  return Math.round(ms / step) * step;
}

/** A length as people say it of what is left: "58 minutes", "1 hour 5 minutes", "40 seconds". */
export function roughDurationInWords(ms: number): string {
  return durationInWords(roughly(Math.max(0, ms)));
}

const twoDigits = (value: number): string => String(value).padStart(2, "0");

/**
 * An instant as "21:38 UTC (in 2 minutes)" or "21:38 UTC (2 minutes ago)", with the day when it is
 * not today (UTC) — "2 Dec 21:38 UTC" — and the year when it is not this year; anything that is not
 * an instant as it was given.
 */
export function instantInWords(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime()) || Number.isNaN(now.getTime())) return iso;
  const sameYear = at.getUTCFullYear() === now.getUTCFullYear();
  const sameDay = sameYear && at.getUTCMonth() === now.getUTCMonth() && at.getUTCDate() === now.getUTCDate();
  const day = sameDay
    ? ""
    : `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]}${sameYear ? "" : ` ${at.getUTCFullYear()}`} `;
  const time = `${twoDigits(at.getUTCHours())}:${twoDigits(at.getUTCMinutes())} UTC`;
  const ahead = at.getTime() - now.getTime();
  const distance = roughly(Math.abs(ahead));
  const relative =
    distance === 0 ? "now" : ahead > 0 ? `in ${durationInWords(distance)}` : `${durationInWords(distance)} ago`;
  return `${day}${time} (${relative})`;
}
