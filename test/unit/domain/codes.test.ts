// The closed sets of codes hold: a code written anywhere in src/ as a literal is one of them, so a
// new code is declared in src/domain/codes.ts (where types then hold every use of it) or is a typo.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES } from "../../../src/app/config.js";
import { ERROR_CODES, kindCode, OUTCOME_CODES } from "../../../src/domain/codes.js";

const SRC = join(import.meta.dirname, "..", "..", "..", "src");
/** Upper-snake names that are not codes of ours: settings, and Node's own error codes. */
const NOT_CODES = new Set<string>([...CONFIG_VARIABLES, "ERR_PARSE_ARGS", "EAI_AGAIN"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function codeLiterals(): { file: string; code: string }[] {
  return sourceFiles(SRC)
    .filter((file) => !file.endsWith("codes.ts"))
    .flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/["'`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)["'`]/g)].map((match) => ({
        file: relative(SRC, file),
        code: match[1]!,
      })),
    );
}

describe("codes", () => {
  it("every upper-snake literal in src/ is a declared code or a setting", () => {
    const declared = new Set<string>([...ERROR_CODES, ...OUTCOME_CODES]);
    const stray = codeLiterals().filter(({ code }) => !declared.has(code) && !NOT_CODES.has(code));
    expect(stray).toEqual([]);
  });

  it("each set names a code once, in upper snake case", () => {
    for (const set of [ERROR_CODES, OUTCOME_CODES]) {
      expect(new Set(set).size).toBe(set.length);
      for (const code of set) expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
    }
  });

  it("a kind of finding becomes its code", () => {
    expect(kindCode("lock-failed")).toBe("LOCK_FAILED");
    expect(kindCode("certificates-rotate")).toBe("CERTIFICATES_ROTATE");
  });
});
