// GET /api/console/requests/{id}: one request as its requester or an approver may see it — its
// facts, where it stands, the forms they may use on it, the verdict on its audit trail, and the
// evidence of what was done with cluster-admin during its window (docs/design.md §15).
import type { HttpResponseInit } from "@azure/functions";
import type { ChainVerdict } from "../../domain/audit.js";
import { requestChoices, type ConsoleGroups } from "../../domain/console.js";
import { hasApproved, sameOid } from "../../domain/policy.js";
import type { EvidenceStatus } from "../../domain/evidence.js";
import type { EmergencyRequest } from "../../domain/request.js";
import { escapeHtml } from "../../domain/userText.js";
import type { EvidenceView } from "../evidence.js";
import { bannerHtml, detailsHtml, html, htmlPage, messagePage, timeHtml } from "../pages.js";
import { statusBanner } from "../reviewBanners.js";
import { requestForms, section } from "./fragments.js";
import { CONSOLE_PATH } from "./viewer.js";

export interface RequestPageModel {
  readonly request: EmergencyRequest;
  readonly now: Date;
  readonly groups: ConsoleGroups;
  readonly verdict: ChainVerdict | undefined;
  readonly evidence: EvidenceView;
  readonly csrf: string;
}

export function requestPage({ request, now, groups, verdict, evidence, csrf }: RequestPageModel): HttpResponseInit {
  const isRequester = sameOid(request.requester.oid, groups.oid);
  const alreadyApproved = hasApproved(request, groups.oid, now);
  const api = `/api/requests/${escapeHtml(request.id)}`;
  return htmlPage(
    200,
    `Request on ${request.cluster.name}`,
    `<p><a href="${CONSOLE_PATH}">← Back to the console</a></p>` +
      `<h1>Emergency access to ${html(request.cluster.name)}</h1>` +
      bannerHtml(statusBanner(request, now, { isRequester, alreadyApproved })) +
      detailsHtml({ request, now }) +
      requestForms(request, { choices: requestChoices(request, groups, now), csrf }) +
      auditSection(groups.approver ? verdict : "approvers only") +
      evidenceSection(evidence, now) +
      // Not links: the JSON routes take a bearer token, which a browser does not send.
      `<p>The same as data, for scripts with a bearer token: <code>GET ${api}</code>, <code>GET ${api}/evidence</code>` +
      `${groups.approver ? `, <code>GET /api/audit/verify?requestId=${escapeHtml(request.id)}</code>` : ""}.</p>`,
    { script: true, wide: true },
  );
}

export function notFoundPage(): HttpResponseInit {
  return messagePage(
    404,
    "No such request",
    { tone: "info", text: "There is no request here that you can see." },
    { links: [{ label: "Back to the console", url: CONSOLE_PATH }] },
  );
}

/** The verdict on the request's trail, for approvers (GET /api/audit/verify is theirs). */
function auditSection(verdict: ChainVerdict | undefined | "approvers only"): string {
  const body =
    verdict === "approvers only"
      ? `<p>The verdict on the audit trail is shown to approvers.</p>`
      : !verdict
        ? `<p>Nothing is recorded yet: the trail starts when the request's workflow does.</p>`
        : verdict.ok
          ? bannerHtml({
              tone: "ok",
              text: `Verified: ${verdict.entries} entries, each chained to the one before, and the trail ends where it was sealed.`,
            })
          : bannerHtml(
              {
                tone: "critical",
                text: `The audit trail does not verify: entry ${verdict.brokenAt}: ${verdict.reason}.`,
              },
              "alert",
            );
  return section("audit", "Audit trail", body);
}

const EVIDENCE_STATUS: Readonly<Record<EvidenceStatus, string>> = {
  collected: "Collected",
  pending: "Not collected yet (kube-audit rows reach Log Analytics minutes after each call)",
  unavailable: "Unavailable",
};

function evidenceSection(evidence: EvidenceView, now: Date): string {
  const reason = "reason" in evidence && evidence.reason ? `: ${evidence.reason}` : "";
  const summary = `${EVIDENCE_STATUS[evidence.status as EvidenceStatus] ?? evidence.status}${reason}. ${evidence.entries} call(s) as cluster-admin during the window, ${evidence.afterWindow} after it.`;
  const head = `<tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Answer</th></tr>`;
  const rows = evidence.items.map((item) => {
    const what = `${item.verb} ${item.resource}${item.namespace ? ` in ${item.namespace}` : ""}${item.name ? ` ${item.name}` : ""}`;
    const who = `${item.user}${item.sourceIp ? ` from ${item.sourceIp}` : ""}`;
    return (
      `<tr${item.afterWindow ? ' class="after"' : ""}><td>${timeHtml(item.at, now)}${item.afterWindow ? " (after the window)" : ""}</td>` +
      `<td>${html(who)}</td><td>${html(what)}</td><td>${html(String(item.status || "unknown"))}</td></tr>`
    );
  });
  const table = rows.length ? `<table class="evidence">${head}${rows.join("")}</table>` : "";
  return section("evidence", "Evidence", `<p>${html(summary)}</p>${table}`);
}
