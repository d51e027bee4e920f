// The rules settings are checked against, each with the sentence a broken one is reported with.
import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { parseManagedClusterId, type ManagedCluster } from "../domain/clusters.js";
import { parseIsoDuration } from "../domain/duration.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

const commaSeparated = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);

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
    .transform(commaSeparated)
    .pipe(z.array(z.string().regex(EMAIL, "must be a comma-separated list of email addresses")));

/** BREAKGLASS_CLUSTERS: AKS resource ids, each once. */
export function clusterList(value: string | undefined, ctx: z.RefinementCtx): ManagedCluster[] {
  const clusters: ManagedCluster[] = [];
  for (const part of commaSeparated(value)) {
    const cluster = parseManagedClusterId(part);
    if (!cluster) {
      ctx.addIssue({
        code: "custom",
        message: `"${part}" is not an AKS resource id (/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>)`,
      });
    } else if (clusters.some((known) => known.id.toLowerCase() === cluster.id.toLowerCase())) {
      ctx.addIssue({ code: "custom", message: `"${part}" is listed twice` });
    } else {
      clusters.push(cluster);
    }
  }
  return clusters;
}

export const guidList = () =>
  z
    .string()
    .optional()
    .transform((value) => [...new Set(commaSeparated(value).map((part) => part.toLowerCase()))])
    .pipe(z.array(z.string().regex(GUID, "must be a comma-separated list of subscription GUIDs")));

// Azure's own rule for tag names (no < > % & \ ? /), and no control characters in either part.
const TAG_NAME = /^[^<>%&\\?/=\p{Cc}]{1,512}$/u;
const TAG_VALUE = /^[^\p{Cc}]{0,256}$/u;

/** BREAKGLASS_CLUSTER_TAG: `name=value`. */
export const clusterTag = () =>
  text().transform((value, ctx) => {
    const at = value.indexOf("=");
    const name = at < 0 ? "" : value.slice(0, at).trim();
    const tagValue = at < 0 ? "" : value.slice(at + 1).trim();
    if (!TAG_NAME.test(name) || !TAG_VALUE.test(tagValue)) {
      ctx.addIssue({
        code: "custom",
        message: `must be name=value, such as breakglass=enabled (a tag name of at most 512 characters without < > % & \\ ? /, a value of at most 256)`,
      });
      return z.NEVER;
    }
    return { name, value: tagValue };
  });
