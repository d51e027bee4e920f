// What the command prints about requests and clusters, as pure functions of an answer and "now".
import { parseManagedClusterId } from "../domain/clusters.js";
import { isoDurationInWords } from "../domain/humanTime.js";
import type { ClustersAnswer, RequestAnswer } from "./answers.js";
import { EXIT, type ExitCode } from "./exits.js";
import { clip, inert, shellWord, table, when } from "./format.js";

const personText = (person: { displayName: string; upn: string }) =>
  `${inert(person.displayName)} (${inert(person.upn)})`;

const approvalsText = (view: RequestAnswer) => `${view.approvals.length} of ${view.requiredApprovals}`;

function windowLines(view: RequestAnswer, now: Date): string[] {
  const window = view.window;
  if (!window) return [];
  const closing = window.closedAt ? `closed ${when(window.closedAt, now)}` : `closes ${when(window.closesAt, now)}`;
  return [`  window      opened ${when(window.openedAt, now)}; ${closing}`];
}

/** A request in full, for `breakglass status`. */
export function requestText(view: RequestAnswer, now: Date): string {
  const lines = [
    `${view.id}  ${view.status}  on ${inert(view.clusterName)}`,
    `  requester   ${personText(view.requester)}`,
    `  reason      ${clip(view.justification, 200)} (ticket ${clip(view.ticket, 60)})`,
    `  asked       ${when(view.requestedAt, now)} for ${isoDurationInWords(view.duration)}`,
    `  approvals   ${approvalsText(view)}${view.approvals.length ? `: ${view.approvals.map((a) => personText(a.approver)).join(", ")}` : ""}`,
    ...(view.status === "pending-approval" ? [`  decide by   ${when(view.approvalDeadline, now)}`] : []),
    ...windowLines(view, now),
    ...(view.extension
      ? [`  extension   ${isoDurationInWords(view.extension.duration)} more: ${view.extension.status}`]
      : []),
    ...(view.outcome ? [`  outcome     ${view.outcome.code}: ${inert(view.outcome.message)}`] : []),
    ...(view.actions ?? []).map(
      (action) =>
        `  last ${action.type.padEnd(7)} ${inert(action.actor.upn)}: ${action.result}${action.code ? ` ${action.code}: ${inert(action.message ?? "")}` : ""}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** One row per request, for `breakglass list`. */
export function requestsTable(views: readonly RequestAnswer[], now: Date): string {
  return table(
    ["ID", "STATUS", "CLUSTER", "REQUESTER", "APPROVALS", "WHEN", "REASON"],
    views.map((view) => [
      view.id,
      view.status,
      clip(view.clusterName, 40),
      clip(view.requester.upn, 40),
      approvalsText(view),
      view.status === "pending-approval"
        ? `decide by ${when(view.approvalDeadline, now)}`
        : view.window && !view.window.closedAt
          ? `closes ${when(view.window.closesAt, now)}`
          : `asked ${when(view.requestedAt, now)}`,
      clip(view.justification, 50),
    ]),
  );
}

/** One row per managed cluster, for `breakglass clusters`. */
export function clustersTable(clusters: ClustersAnswer, now: Date): string {
  return table(
    ["NAME", "LOCAL ACCOUNTS", "OPEN WINDOWS", "RESOURCE GROUP"],
    clusters.map((cluster) => [
      clip(cluster.name, 63),
      cluster.localAccounts,
      cluster.openWindows.length
        ? cluster.openWindows.map((open) => `${open.requestId} closes ${when(open.closesAt, now)}`).join("; ")
        : "-",
      clip(parseManagedClusterId(cluster.id)?.resourceGroup ?? cluster.id, 90),
    ]),
  );
}

/** The `az` line that fetches the cluster-admin kubeconfig of the request's cluster. */
export function credentialsCommand(view: RequestAnswer): string {
  const cluster = parseManagedClusterId(view.cluster);
  const args = cluster
    ? ["--subscription", cluster.subscriptionId, "--resource-group", cluster.resourceGroup, "--name", cluster.name]
    : ["--name", view.clusterName];
  return ["az", "aks", "get-credentials", ...args.map(shellWord), "--admin"].join(" ");
}

/** What someone whose window just opened needs, in the order they need it. */
export function openText(view: RequestAnswer, now: Date): string {
  const closesAt = view.window?.closesAt ?? view.approvalDeadline;
  return [
    `open: local accounts are enabled on ${inert(view.clusterName)} until ${when(closesAt, now)}`,
    "get the cluster-admin credentials:",
    `  ${credentialsCommand(view)}`,
    `more time: breakglass extend ${view.id} --duration 30m   (approved like the first time)`,
    `done:      breakglass close ${view.id}`,
    "the admin kubeconfig keeps working after the window until the cluster's certificates are rotated: delete it when done",
  ].join("\n");
}

/** The progress line while waiting for a request to open. */
export function progressText(view: RequestAnswer, now: Date): string {
  if (view.status === "pending-approval")
    return `waiting for approval · ${approvalsText(view)} approvals · decide by ${when(view.approvalDeadline, now)}`;
  if (view.status === "opening") return `approved · opening`;
  return view.status;
}

/** Statuses that end a wait by themselves; the others end it as "the window is over" or an error. */
const WAIT_ENDINGS: Partial<Record<RequestAnswer["status"], ExitCode>> = {
  open: EXIT.done,
  denied: EXIT.denied,
  expired: EXIT.expired,
};

/** How waiting for a request ends, or undefined while it may still open. */
export function waitEnding(view: RequestAnswer): { exitCode: ExitCode; message: string } | undefined {
  if (view.status === "pending-approval" || view.status === "opening") return undefined;
  if (view.status === "open") return { exitCode: EXIT.done, message: "" };
  const why = view.outcome ? `: ${inert(view.outcome.message)}` : "";
  if (view.status === "lockdown-failed")
    return {
      exitCode: EXIT.error,
      message: `lockdown failed: local accounts may still be enabled on ${inert(view.clusterName)}; the watchdog keeps trying — tell the platform team${why}`,
    };
  const exitCode = WAIT_ENDINGS[view.status];
  if (exitCode !== undefined) return { exitCode, message: `${view.status}${why}` };
  return view.window
    ? { exitCode: EXIT.expired, message: `the window has already ended (${view.status})${why}` }
    : { exitCode: EXIT.error, message: `${view.status}${why}` };
}
