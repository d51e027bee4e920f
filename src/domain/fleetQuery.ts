// The one Resource Graph query the fleet asks (docs/design.md §12.1), and the tag test its rows pass.
// The KQL is a fixed template: the listed ids, the tag's name and its value are its only
// parameters, and each enters as a quoted KQL string literal in which every quote and backslash is
// escaped, so that no id or tag text can end its literal and add KQL of its own. The rows are
// filtered again whatever the query returned (adapters/azure/resourceGraphRows.ts). Pure.
import type { ManagedCluster } from "./clusters.js";

/** A KQL string literal of `text`: single-quoted, its quotes, backslashes, tabs and line ends escaped. */
export function kqlString(text: string): string {
  const escaped = text.replace(/[\\'"\t\n\r]/g, (char) => KQL_ESCAPES[char]!);
  // A control character other than those has no KQL escape; configuration refuses them in a tag.
  if (/\p{Cc}/u.test(escaped)) throw new RangeError("a KQL string literal cannot hold a control character");
  return `'${escaped}'`;
}

const KQL_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/**
 * The managed clusters listed by id, and those carrying the tag. Tag names are case-insensitive in
 * Azure and values case-sensitive, but KQL looks a bag's key up exactly: the query lowers the whole
 * bag to find the name in any casing, so it compares the value without regard to case too — a
 * superset of the tagged clusters, narrowed to the exact value on the real bag (carriesTag).
 * Without a tag the tag's branch is `false` and its literals empty. An empty id list is `('')`,
 * which matches no id.
 */
export function fleetQueryText(query: {
  readonly listed: readonly ManagedCluster[];
  readonly tag: { readonly name: string; readonly value: string } | undefined;
}): string {
  const ids = query.listed.length ? query.listed.map((cluster) => kqlString(cluster.id)).join(", ") : "''";
  const tag = query.tag;
  return [
    "resources",
    "| where type =~ 'microsoft.containerservice/managedclusters'",
    `| extend breakglassTag = tostring(parse_json(tolower(tostring(tags)))[${kqlString(tag?.name.toLowerCase() ?? "")}])`,
    `| where id in~ (${ids}) or (${tag ? "true" : "false"} and breakglassTag =~ ${kqlString(tag?.value ?? "")})`,
    "| project id, name, subscriptionId, tags,",
    "    disableLocalAccounts = tobool(properties.disableLocalAccounts),",
    "    aadManaged = tobool(properties.aadProfile.managed),",
    "    provisioningState = tostring(properties.provisioningState),",
    "    powerState = tostring(properties.powerState.code)",
    "| order by id asc",
  ].join("\n");
}

/** Whether a tag bag holds `name` (in any casing) with exactly `value`. */
export function carriesTag(tags: unknown, name: string, value: string): boolean {
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) return false;
  const wanted = name.toLowerCase();
  return Object.entries(tags).some(([key, held]) => key.toLowerCase() === wanted && held === value);
}
