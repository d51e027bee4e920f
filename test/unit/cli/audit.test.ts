import { upstreamCode } from "../../../src/domain/codes.js";
import { describe, expect, it } from "vitest";
import { csvRow } from "../../../src/audit/export.js";
import { progressBar } from "../../../src/cli/audit.js";
import { requestAuditEntry } from "../../../src/domain/auditChain.js";
import { WEU } from "../../support/harness.js";

describe("the command line", () => {
  it("CSV: a cell a spreadsheet would run as a formula is written as text; commas and quotes are quoted", () => {
    const entry = requestAuditEntry("bg-01m8gshv80v200jgzv74xjm1zr", 0, "0".repeat(64), {
      type: "lockdown-retry",
      at: "2026-11-28T10:00:00.000Z",
      actor: null,
      cluster: WEU,
      outcome: "failure",
      code: upstreamCode("-1"),
      message: '=HYPERLINK("https://evil.example","click"), then @SUM(A1)',
    });
    const row = csvRow(entry);
    expect(row).toContain(`,failure,'-1,"'=HYPERLINK(""https://evil.example"",""click""), then @SUM(A1)",`);
    expect(row).toContain(`,lockdown-retry,,,${WEU},`); // no actor: empty cells
  });

  it("draws a progress bar", () => {
    expect(progressBar(0, 4, 8)).toBe("[        ] 0/4 requests");
    expect(progressBar(2, 4, 8)).toBe("[####    ] 2/4 requests");
    expect(progressBar(0, 0, 4)).toBe("[####] 0/0 requests");
  });
});
