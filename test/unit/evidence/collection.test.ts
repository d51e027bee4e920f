import { describe, expect, it } from "vitest";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import { collectEvidence, type EvidenceCollectionDependencies } from "../../../src/evidence/collection.js";
import { TransientError } from "../../../src/ports/errors.js";
import type { DiagnosticSettingFact } from "../../../src/ports/readinessFacts.js";
import { CLUSTER_ID } from "../../support/domain.js";
import { adminCall, ScriptedKubeAudit, type KubeAuditScript } from "../../support/kubeAudit.js";

const cluster = parseManagedClusterId(CLUSTER_ID)!;
const span = { cluster, from: "2026-11-28T10:00:00.000Z", to: "2026-11-28T11:00:00.000Z" };
const WORKSPACE = "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/law";
const setting = (fields: Partial<DiagnosticSettingFact>): DiagnosticSettingFact => ({
  name: "audit",
  logCategories: ["kube-audit-admin"],
  workspaceId: WORKSPACE,
  destinationType: "Dedicated",
  ...fields,
});
const CALLS = [adminCall(2, "2026-11-28T10:20:00.000Z"), adminCall(1, "2026-11-28T10:10:00.000Z")];

function deps(
  settings: EvidenceCollectionDependencies["clusterAuthorization"]["diagnosticSettings"],
  answer: KubeAuditScript,
) {
  return { kubeAudit: new ScriptedKubeAudit(answer), clusterAuthorization: { diagnosticSettings: settings } };
}

describe("collecting a window's evidence", () => {
  it("summarises what the log found, in the window's span", async () => {
    const d = deps(
      async () => ({ kind: "read", value: [setting({ destinationType: "AzureDiagnostics" })] }),
      () => ({ kind: "found", calls: CALLS, truncated: true }),
    );
    const answer = await collectEvidence(d, span);
    expect(answer).toMatchObject({ kind: "found", summary: { entries: 2, truncated: true } });
    expect(answer.kind === "found" && answer.summary.items.map((call) => call.id)).toEqual(["audit-1", "audit-2"]);
    expect(d.kubeAudit.queries).toEqual([{ cluster: CLUSTER_ID, from: span.from, to: span.to }]);
  });

  it.each([
    ["no setting", []],
    ["a setting without kube-audit", [setting({ logCategories: ["kube-apiserver"] })]],
    ["kube-audit to a storage account only", [setting({ workspaceId: undefined })]],
  ] as const)("%s, and an empty answer: KUBE_AUDIT_OFF", async (_case, value) => {
    const d = deps(
      async () => ({ kind: "read", value }),
      () => ({ kind: "found", calls: [], truncated: false }),
    );
    expect(await collectEvidence(d, span)).toMatchObject({
      kind: "unavailable",
      code: "KUBE_AUDIT_OFF",
      reason: expect.stringContaining("aks-prod-weu has no diagnostic setting"),
    });
    expect(d.kubeAudit.queries).toHaveLength(1);
  });

  it("a setting removed since the window: the calls recorded before are still found, with the gap said", async () => {
    const d = deps(
      async () => ({ kind: "read", value: [] }),
      () => ({ kind: "found", calls: CALLS, truncated: false }),
    );
    expect(await collectEvidence(d, span)).toMatchObject({
      kind: "found",
      summary: { entries: 2 },
      gap: expect.stringContaining("no diagnostic setting sends kube-audit to a workspace now"),
    });
  });

  it.each([
    ["kube-audit-admin alone", ["kube-audit-admin"], true],
    ["kube-audit-admin beside another category", ["kube-audit-admin", "kube-apiserver"], true],
    ["kube-audit", ["kube-audit-admin", "kube-audit"], false],
    ["the allLogs group", ["allLogs"], false],
  ] as const)(
    "%s: gets and lists are said missing only when no setting sends every call",
    async (_c, logCategories, gap) => {
      const d = deps(
        async () => ({ kind: "read", value: [setting({ logCategories: [...logCategories] })] }),
        () => ({ kind: "found", calls: CALLS, truncated: false }),
      );
      const answer = await collectEvidence(d, span);
      expect(answer.kind === "found" && answer.gap).toEqual(
        gap
          ? "the cluster sends kube-audit-admin only: gets and lists (reading secrets included) are not in its log"
          : undefined,
      );
    },
  );

  it.each([
    ["forbidden", async () => ({ kind: "forbidden" as const, message: "no read" })],
    ["failing", () => Promise.reject(new TransientError("ARM_503", "ARM down"))],
  ])("settings that are %s leave the question to the log", async (_case, settings) => {
    const d = deps(settings, () => ({ kind: "unavailable", code: "LOGS_FORBIDDEN", reason: "403 on the workspace" }));
    expect(await collectEvidence(d, span)).toEqual({
      kind: "unavailable",
      code: "LOGS_FORBIDDEN",
      reason: "403 on the workspace",
    });
  });

  it("throws a transient failure with its code first, which is what reaches the workflow", async () => {
    const d = deps(
      async () => ({ kind: "read", value: [setting({})] }),
      () => new TransientError("LOGS_THROTTLED", "429 Too Many Requests", 30_000),
    );
    await expect(collectEvidence(d, span)).rejects.toMatchObject({
      code: "LOGS_THROTTLED",
      message: "LOGS_THROTTLED: 429 Too Many Requests",
      retryAfterMs: 30_000,
    });
  });

  it("an answer given only in part keeps its calls and says why it is incomplete", async () => {
    const d = deps(
      async () => ({ kind: "read", value: [setting({ logCategories: ["kube-audit"] })] }),
      () => ({ kind: "found", calls: CALLS, truncated: false, incomplete: "PartialError: a workspace failed" }),
    );
    expect(await collectEvidence(d, span)).toMatchObject({
      kind: "found",
      summary: { entries: 2, truncated: false },
      gap: "the log answered only in part: PartialError: a workspace failed",
    });
  });
});
