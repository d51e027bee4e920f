// The rules settings are checked against, each with the sentence a broken one is reported with.
import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { parseIsoDuration } from "../domain/duration.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

export const text = () => z.string().trim().min(1, "must not be empty");
export const guid = () => text().regex(GUID, "must be a GUID such as 00000000-0000-0000-0000-000000000000");
export const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of: ${values.join(", ")}` });
export const duration = () =>
  text().transform((value, ctx) => {
    const ms = parseIsoDuration(value);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: "custom", message: `must be a positive ISO-8601 duration such as PT15M (got "${value}")` });
      return z.NEVER;
    }
    return ms;
  });
export const integer = (min: number, max: number) =>
  text()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
export const url = (httpsOnly: boolean) =>
  text().refine(
    (value) => {
      try {
        const parsed = new URL(value);
        return parsed.protocol === "https:" || (!httpsOnly && parsed.protocol === "http:");
      } catch {
        return false;
      }
    },
    { message: httpsOnly ? "must be an https:// URL" : "must be an http:// or https:// URL" },
  );
export const schedule = () =>
  text().refine((value) => {
    if (value.split(/\s+/).length !== 6) return false;
    try {
      CronExpressionParser.parse(value, { tz: "UTC" });
      return true;
    } catch {
      return false;
    }
  }, "must be a six-field NCRONTAB expression (seconds first) such as 0 */5 * * * *");
export const emailList = () =>
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? "")
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(EMAIL, "must be a comma-separated list of email addresses")));
