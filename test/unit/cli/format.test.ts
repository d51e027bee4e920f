import { describe, expect, it } from "vitest";
import { clip, shellWord, table, when } from "../../../src/cli/format.js";
import { credentialsCommand } from "../../../src/cli/views.js";
import { requestView } from "./fakeServer.js";

const NOW = new Date("2026-12-02T03:00:00.000Z");

describe("what the command prints", () => {
  it("a time in the reader's zone and in UTC; only UTC where the zone is UTC", () => {
    expect(when("2026-12-02T04:00:00.000Z", NOW, "Europe/Berlin")).toBe("05:00 CET / 04:00 UTC (in 1 hour)");
    expect(when("2026-12-02T02:30:00.000Z", NOW, "America/New_York")).toBe("21:30 GMT-5 / 02:30 UTC (30 minutes ago)");
    expect(when("2026-12-02T04:00:00.000Z", NOW, "UTC")).toBe("04:00 UTC (in 1 hour)");
    expect(when("not a time", NOW, "UTC")).toBe("not a time");
  });

  it("the az line quotes only what a shell would split or expand", () => {
    expect(shellWord("rg-aks-prod")).toBe("rg-aks-prod");
    expect(shellWord("rg (prod)")).toBe("'rg (prod)'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    const cluster =
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg(prod)/providers/Microsoft.ContainerService/managedClusters/aks-1";
    expect(credentialsCommand(requestView({ cluster, clusterName: "aks-1" }) as never)).toBe(
      "az aks get-credentials --subscription 00000000-0000-0000-0000-000000000001 --resource-group 'rg(prod)' --name aks-1 --admin",
    );
  });

  it("someone else's text: one line, clipped, inert", () => {
    expect(clip("a\nb\tc", 10)).toBe("a b c");
    expect(clip("x".repeat(30), 10)).toBe(`${"x".repeat(9)}…`);
    expect(clip("\u001b[2Jclear", 20)).not.toContain("\u001b");
  });

  it("tables pad every column but the last", () => {
    expect(
      table(
        ["A", "BB"],
        [
          ["xyz", "1"],
          ["", "22"],
        ],
      ),
    ).toBe("A    BB\nxyz  1\n     22\n");
  });
});
