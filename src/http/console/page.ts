// The console page (docs/design.md §15): its sections in the order an on-call engineer reads them
// — what waits for them, what is open, asking for a window, what happened, the clusters — and the
// page for someone in neither group. Every section shows only what the model holds; the model
// holds only what the viewer may see.
import type { HttpResponseInit } from "@azure/functions";
import { durationInWords } from "../../domain/humanTime.js";
import {
  durationChoices,
  NEW_REQUEST_SUBJECT,
  sectionChoices,
  type ConsoleSection,
  type ConsoleSections,
  type ConsoleGroups,
} from "../../domain/console.js";
import { parseManagedClusterId, type ManagedCluster } from "../../domain/clusters.js";
import { formatIsoDuration } from "../../domain/duration.js";
import type { WindowPolicy } from "../../domain/policy.js";
import type { ReadinessReport } from "../../domain/readiness.js";
import type { EmergencyRequest } from "../../domain/request.js";
import { escapeHtml } from "../../domain/userText.js";
import type { ClusterState } from "../clusterOverview.js";
import { bannerHtml, html, htmlPage, messagePage } from "../pages.js";
import { requestCard, section } from "./fragments.js";
import { CONSOLE_PATH, type Viewer } from "./viewer.js";

/** The ask form's fields as posted, shown again when the form was refused. */
export interface AskValues {
  readonly cluster: string;
  readonly duration: string;
  readonly justification: string;
  readonly ticket: string;
}

export interface AskForm {
  readonly clusters: readonly ManagedCluster[];
  readonly policy: Pick<WindowPolicy, "minDurationMs" | "maxDurationMs" | "defaultDurationMs">;
  readonly idempotencyKey: string;
  readonly values?: AskValues;
}

/** The readiness report; or that it is still being made, or could not be. */
export type ReadinessView = ReadinessReport | "checking" | "unknown";

export interface ConsoleModel {
  readonly viewer: Viewer;
  readonly groups: ConsoleGroups;
  readonly now: Date;
  readonly sections: ConsoleSections;
  readonly lockdownFailed: readonly EmergencyRequest[];
  /** The anti-CSRF token of the viewer's forms about `subject` (a request id, or NEW_REQUEST_SUBJECT). */
  readonly csrf: (subject: string) => string;
  /** For those who may see the clusters. */
  readonly clusters?: { readonly clusters: readonly ClusterState[]; readonly unavailable: boolean };
  /** For approvers (GET /api/readiness is theirs). */
  readonly readiness?: ReadinessView;
  /** For emergency-group members. */
  readonly ask?: AskForm;
}

export function consolePage(model: ConsoleModel, status: number, banner: string): HttpResponseInit {
  const { viewer, groups } = model;
  const names = [groups.approver ? "approver" : "", groups.emergencyMember ? "emergency-group member" : ""];
  const who = `Signed in as ${viewer.member.user?.displayName ?? viewer.principal.name} (${viewer.principal.upn}): ${names.filter(Boolean).join(" and ")}.`;
  return htmlPage(
    status,
    "Break-glass console",
    `<h1>Break-glass console</h1><p>${html(who)}</p>${banner}${alertsHtml(model)}` +
      (groups.approver ? waitingSection(model) : "") +
      requestsSection(model, "open", "Open now", "No window is open.") +
      (model.ask ? askSection(model.ask, model.csrf(NEW_REQUEST_SUBJECT)) : "") +
      requestsSection(model, "recent", "Recent", "No requests yet.") +
      (model.clusters ? clustersSection(model) : ""),
    { script: true, wide: true },
  );
}

/** Someone in neither group: what they may not do, and who to ask; nothing else. */
export function forbiddenPage(viewer: Viewer): HttpResponseInit {
  const { roles } = viewer.member;
  const why =
    roles.accountEnabled === true
      ? "You are in neither the emergency group nor the approver group, so there is nothing here for you: you may not ask for emergency access to a cluster, and you may not approve or deny requests."
      : `${roles.accountEnabled === false ? "This account is disabled" : "The directory does not know this account"}, so it may not ask for emergency access nor decide requests.`;
  return messagePage(403, "You cannot use the break-glass console", {
    tone: "warning",
    text:
      `You are signed in as ${viewer.principal.upn}. ${why} ` +
      "If you need emergency access, ask your platform team, who own the emergency group in Entra ID, to add you to it.",
  });
}

function cards(
  model: ConsoleModel,
  name: ConsoleSection,
  requests: readonly EmergencyRequest[],
  empty: string,
): string {
  if (!requests.length) return `<p class="empty">${html(empty)}</p>`;
  return requests
    .map((request) =>
      requestCard(name, request, model.now, {
        choices: sectionChoices(name, request, model.groups, model.now),
        csrf: model.csrf(request.id),
      }),
    )
    .join("");
}

function waitingSection(model: ConsoleModel): string {
  return section(
    "waiting",
    "Waiting for you",
    cards(model, "waiting", model.sections.waiting, "Nothing waits for your decision."),
  );
}

function requestsSection(model: ConsoleModel, name: "open" | "recent", title: string, empty: string): string {
  return section(name, title, cards(model, name, model.sections[name], empty));
}

/** What must be acted on now: a lockdown that failed, local accounts enabled with no window. */
function alertsHtml({ lockdownFailed, clusters }: ConsoleModel): string {
  const critical = (text: string) => bannerHtml({ tone: "critical", text }, "alert");
  const disable = (cluster: Pick<ManagedCluster, "resourceGroup" | "name">) =>
    `az aks update --resource-group ${cluster.resourceGroup} --name ${cluster.name} --disable-local-accounts`;
  const failed = lockdownFailed.map((request) =>
    critical(
      `Lockdown failed on ${request.cluster.name} (request ${request.id}): local accounts could not be disabled` +
        `${request.outcome ? ` (${request.outcome.message})` : ""}. The workflow keeps trying; disable them by hand now: ${disable(request.cluster)}`,
    ),
  );
  const drift = (clusters?.clusters ?? [])
    .filter((cluster) => cluster.localAccounts === "enabled" && cluster.openWindows.length === 0)
    .map((cluster) =>
      critical(
        `Local accounts are enabled on ${cluster.name} with no window open. The watchdog disables them within minutes; if this stays, run: ` +
          disable(parseManagedClusterId(cluster.id) ?? { resourceGroup: "<resource group>", name: cluster.name }),
      ),
    );
  const inventory = clusters?.unavailable
    ? [
        bannerHtml({
          tone: "warning",
          text: "The fleet inventory could not be asked: clusters found by tag may be missing below.",
        }),
      ]
    : [];
  return [...failed, ...drift, ...inventory].join("");
}

function clustersSection({ clusters, readiness }: ConsoleModel): string {
  const states = clusters?.clusters ?? [];
  if (!states.length)
    return section("clusters", "Clusters", `<p class="empty">No cluster is managed by this deployment.</p>`);
  const readinessOf = (id: string): string => {
    if (readiness === "unknown") return "readiness unknown";
    if (readiness === "checking") return "being checked: reload in a moment";
    const found = readiness?.clusters.find((cluster) => cluster.id.toLowerCase() === id.toLowerCase());
    if (!found) return "not checked yet";
    const failing = found.checks.filter((check) => !check.ok).map((check) => check.name);
    return found.ready ? "ready" : `not ready: ${failing.join(", ")}`;
  };
  const head = `<tr><th scope="col">Cluster</th><th scope="col">Local accounts</th><th scope="col">Windows open</th>${readiness ? `<th scope="col">Readiness</th>` : ""}</tr>`;
  const rows = states.map(
    (cluster) =>
      `<tr><th scope="row">${html(cluster.name)}</th><td>${html(cluster.localAccounts)}</td><td>${cluster.openWindows.length}</td>` +
      `${readiness ? `<td>${html(readinessOf(cluster.id))}</td>` : ""}</tr>`,
  );
  return section("clusters", "Clusters", `<table class="clusters">${head}${rows.join("")}</table>`);
}

function askSection(ask: AskForm, csrf: string): string {
  if (!ask.clusters.length)
    return section("ask", "Ask for a window", `<p class="empty">No cluster is managed by this deployment.</p>`);
  const { values, policy } = ask;
  const chosenDuration = values?.duration ?? formatIsoDuration(policy.defaultDurationMs);
  const option = (value: string, label: string, chosen: boolean) =>
    `<option value="${escapeHtml(value)}"${chosen ? " selected" : ""}>${html(label)}</option>`;
  const clusters = ask.clusters
    .map((cluster) => option(cluster.id, `${cluster.name} (${cluster.resourceGroup})`, cluster.id === values?.cluster))
    .join("");
  const durations = durationChoices(policy)
    .map((ms) => option(formatIsoDuration(ms), durationInWords(ms), formatIsoDuration(ms) === chosenDuration))
    .join("");
  return section(
    "ask",
    "Ask for a window",
    `<form method="post" action="${CONSOLE_PATH}/requests">` +
      `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="idempotencyKey" value="${escapeHtml(ask.idempotencyKey)}">` +
      `<label for="ask-cluster">Cluster</label><select id="ask-cluster" name="cluster" required>${clusters}</select>` +
      `<label for="ask-duration">Duration</label><select id="ask-duration" name="duration">${durations}</select>` +
      `<label for="ask-justification">Justification</label><textarea id="ask-justification" name="justification" maxlength="2000" required>${escapeHtml(values?.justification ?? "")}</textarea>` +
      `<label for="ask-ticket">Ticket</label><input type="text" id="ask-ticket" name="ticket" maxlength="200" required value="${escapeHtml(values?.ticket ?? "")}">` +
      `<p>A second person must approve before the window opens; it closes by itself when its time is up.</p>` +
      `<button class="primary">Ask for a window</button></form>`,
  );
}
