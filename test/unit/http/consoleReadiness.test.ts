// The console's Clusters section and the readiness report: the page waits a moment for a report
// the monitor has to make afresh, then says it is being checked rather than keep the on-call
// engineer waiting on every cluster's checks; a report that fails is "readiness unknown".
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ReadinessReport } from "../../../src/domain/readiness.js";
import { consolePage, type ReadinessView } from "../../../src/http/console/page.js";
import { READINESS_WAIT_MS, readinessOrUnknown } from "../../../src/http/console/view.js";
import { CLUSTER_ID } from "../../support/domain.js";

const REPORT: ReadinessReport = {
  ready: false,
  checkedAt: "2026-12-03T09:58:00.000Z",
  tenant: [],
  clusters: [
    {
      id: CLUSTER_ID,
      name: "aks-prod-weu",
      ready: false,
      checks: [
        { name: "app-permissions", ok: false, message: "missing" },
        { name: "cluster-state", ok: true },
      ],
    },
  ],
};

afterEach(() => {
  vi.useRealTimers();
});

describe("the readiness the console waits for", () => {
  it("is the report when the monitor has it in time", async () => {
    expect(await readinessOrUnknown({ report: async () => REPORT }, () => {})).toBe(REPORT);
  });

  it("is 'checking' when the report takes longer than the page waits", async () => {
    vi.useFakeTimers();
    const answer = readinessOrUnknown({ report: () => new Promise<ReadinessReport>(() => {}) }, () => {});
    await vi.advanceTimersByTimeAsync(READINESS_WAIT_MS);
    expect(await answer).toBe("checking");
  });

  it("is 'unknown', with a warning, when the report fails", async () => {
    const warnings: string[] = [];
    const answer = await readinessOrUnknown(
      { report: async () => Promise.reject(new Error("ARM throttled")) },
      (message) => warnings.push(message),
    );
    expect(answer).toBe("unknown");
    expect(warnings).toEqual(["the console could not read the readiness report: Error: ARM throttled"]);
  });
});

describe("the Clusters section's readiness column", () => {
  const page = (readiness: ReadinessView) =>
    consolePage(
      {
        viewer: {
          principal: { oid: "bob", upn: "bob@contoso.dev", name: "Bob", tenantId: "t" },
          member: { user: undefined, roles: { accountEnabled: true, emergencyMember: false, approver: true } },
        },
        groups: { oid: "bob", approver: true, emergencyMember: false },
        now: new Date("2026-12-03T10:00:00.000Z"),
        sections: { waiting: [], open: [], recent: [] },
        lockdownFailed: [],
        csrf: () => "token",
        clusters: {
          clusters: [
            {
              id: CLUSTER_ID,
              name: "aks-prod-weu",
              localAccounts: "disabled",
              provisioningState: "Succeeded",
              stateFrom: "inventory",
              openWindows: [],
            },
          ],
          unavailable: false,
        },
        readiness,
      },
      200,
      "",
    ).body as string;

  it("names the failing checks, or says the report is being made or could not be", () => {
    expect(page(REPORT)).toContain("<td>not ready: app-permissions</td>");
    expect(page({ ...REPORT, clusters: [] })).toContain("<td>not checked yet</td>");
    expect(page("checking")).toContain("<td>being checked: reload in a moment</td>");
    expect(page("unknown")).toContain("<td>readiness unknown</td>");
  });
});
