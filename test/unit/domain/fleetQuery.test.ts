// The fleet query's literals and tag test (docs/design.md §12.1): what a KQL literal escapes and
// refuses, and how a tag bag is matched (name in any casing, value exactly).
import { describe, expect, it } from "vitest";
import { carriesTag, kqlString } from "../../../src/domain/fleetQuery.js";

describe("kqlString", () => {
  it("escapes quotes, backslashes, tabs and line ends", () => {
    expect(kqlString(`a'b"c\\d\te\nf\rg`)).toBe(`'a\\'b\\"c\\\\d\\te\\nf\\rg'`);
  });

  it("refuses any other control character, which KQL cannot escape", () => {
    expect(() => kqlString("a\u0000b")).toThrow(RangeError);
    expect(() => kqlString("a\u007fb")).toThrow(RangeError);
  });
});

describe("carriesTag", () => {
  it("finds the name in any casing and the value exactly", () => {
    expect(carriesTag({ BreakGlass: "managed" }, "breakglass", "managed")).toBe(true);
    expect(carriesTag({ breakglass: "Managed" }, "breakglass", "managed")).toBe(false);
    expect(carriesTag({ other: "managed" }, "breakglass", "managed")).toBe(false);
  });

  it("reads nothing but an object of strings as tags", () => {
    for (const tags of [
      undefined,
      null,
      "breakglass=managed",
      [["breakglass", "managed"]],
      { breakglass: ["managed"] },
    ])
      expect(carriesTag(tags, "breakglass", "managed")).toBe(false);
  });
});
