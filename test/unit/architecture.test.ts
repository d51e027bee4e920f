// The layout's rules, checked: no import cycle among the modules of src/ and functions/ (type-only
// imports count: they tie modules together just the same), no module loose at src/, and the lint
// rules of eslint.config.js refusing an import against each direction.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ESLint } from "eslint";
import ts from "typescript";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

type Graph = ReadonlyMap<string, readonly string[]>;

function typescriptFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return typescriptFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier of a file: imports and re-exports (type-only too), import types and import(). */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) found.push(expression.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      if (ts.isStringLiteral(node.argument.literal)) found.push(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The relative imports of every module in the folders, as paths from the repository root. */
function importGraph(folders: readonly string[]): Graph {
  const graph = new Map<string, string[]>();
  for (const file of folders.flatMap((folder) => typescriptFiles(resolve(ROOT, folder)))) {
    const targets = specifiersOf(file)
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, ".ts"))
      .filter((target) => existsSync(target))
      .map((target) => relative(ROOT, target));
    graph.set(relative(ROOT, file), [...new Set(targets)]);
  }
  return graph;
}

/** One cycle through each strongly connected group of modules (Tarjan), each as a path back to its start. */
function findCycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group = new Set<string>();
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.add(member);
    } while (member !== node);
    if (group.size > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(cycleIn(graph, group, node));
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return cycles;
}

/** The shortest way from `start` back to itself inside the group (breadth first). */
function cycleIn(graph: Graph, group: ReadonlySet<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!group.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

describe("import graph", () => {
  it("finds a cycle, and names it", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts", "d.ts"]],
      ["d.ts", []],
      ["e.ts", ["e.ts"]],
    ]);
    expect(findCycles(graph)).toEqual([
      ["a.ts", "b.ts", "c.ts", "a.ts"],
      ["e.ts", "e.ts"],
    ]);
    expect(findCycles(new Map([["a.ts", ["b.ts"]]]))).toEqual([]);
  });

  it("reads type-only imports, re-exports and import types as edges", () => {
    const graph = importGraph(["src", "functions"]);
    expect(graph.get("src/http/audit.ts")).toContain("src/http/handler.ts"); // import type { HttpHandler }
    expect(graph.get("functions/api.ts")).toContain("src/app/hosting.ts");
  });

  it("has no cycle among the modules of src/ and functions/", () => {
    const cycles = findCycles(importGraph(["src", "functions"])).map((cycle) => cycle.join(" → "));
    expect(cycles, `import cycles:\n${cycles.join("\n")}`).toEqual([]);
  });
});

describe("layout", () => {
  it("has no module loose at src/: each sits in its layer's or feature's folder", () => {
    expect(readdirSync(resolve(ROOT, "src")).filter((name) => name.endsWith(".ts"))).toEqual([]);
  });
});

describe("lint rules for the directions", () => {
  // The rules under test need no type information; without it a probe needs no program of the project.
  const eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });
  /** The messages of no-restricted-imports for `code`, linted as a new module of `folder` (never written). */
  const refusals = async (folder: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, folder, "probe.ts") });
    expect(result!.messages.filter((message) => message.fatal)).toEqual([]);
    return result!.messages.filter((message) => message.ruleId === "no-restricted-imports").map((m) => m.message);
  };
  const importOf = (specifier: string) => `import type * as imported from "${specifier}";\nexport type { imported };\n`;

  it("refuses a port that imports an adapter, and lets it import the domain", async () => {
    expect(await refusals("src/ports", importOf("../adapters/azure/tables.js"))).toEqual([
      expect.stringContaining("A port imports only the domain (and other ports): ports own their types"),
    ]);
    expect(await refusals("src/ports", importOf("../domain/clusters.js"))).toEqual([]);
  });

  it("refuses a feature that imports app/, http/ or adapters/", async () => {
    for (const specifier of ["../app/config.js", "../http/handler.js", "../adapters/azure/tables.js"]) {
      expect(await refusals("src/watchdog", importOf(specifier)), specifier).toEqual([
        expect.stringContaining("A feature never imports app/, http/ or adapters/"),
      ]);
    }
    expect(await refusals("src/watchdog", importOf("../ports/clusterControl.js"))).toEqual([]);
  });

  it("refuses http/ importing an adapter", async () => {
    expect(await refusals("src/http", importOf("../adapters/simulation/simulatedClusters.js"))).toEqual([
      expect.stringContaining("http/ never imports adapters/"),
    ]);
  });

  it("refuses a domain module importing an SDK (or anything but the domain and node:crypto)", async () => {
    expect(await refusals("src/domain", importOf("@azure/data-tables"))).toEqual([
      expect.stringContaining("The domain is pure"),
    ]);
    expect(await refusals("src/domain", importOf("node:crypto"))).toEqual([]);
  });

  it("refuses an adapter importing the app, and lets it import ports, workflow/contracts and SDKs", async () => {
    expect(await refusals("src/adapters/azure", importOf("../../app/config.js"))).toEqual([
      expect.stringContaining("An adapter imports only the domain, ports and workflow/contracts"),
    ]);
    for (const specifier of ["../../ports/errors.js", "../../workflow/contracts.js", "@azure/data-tables"])
      expect(await refusals("src/adapters/azure", importOf(specifier)), specifier).toEqual([]);
  });

  it("refuses the workflow importing app/, http/, adapters/ or a feature; only its activities call features", async () => {
    expect(await refusals("src/workflow", importOf("../adapters/durable/durableWorkflowClient.js"))).toEqual([
      expect.stringContaining("The workflow never imports app/, http/, adapters/ or a feature"),
    ]);
    expect(await refusals("src/workflow/window", importOf("../../windows/clusterAccess.js"))).toEqual([
      expect.stringContaining("The workflow never imports app/, http/, adapters/ or a feature"),
    ]);
    const activities = async (specifier: string) => {
      const [result] = await eslint.lintText(importOf(specifier), {
        filePath: resolve(ROOT, "src/workflow/activities.ts"),
      });
      return result!.messages.filter((message) => message.ruleId === "no-restricted-imports").length;
    };
    expect(await activities("../windows/clusterAccess.js")).toBe(0);
    expect(await activities("../app/config.js")).toBe(1);
  });

  it("refuses an Azure SDK outside src/adapters/", async () => {
    expect(await refusals("src/app", importOf("@azure/arm-containerservice"))).toEqual([
      expect.stringContaining("Only src/adapters/ may import an Azure SDK (docs/design.md §3)"),
    ]);
  });
});
