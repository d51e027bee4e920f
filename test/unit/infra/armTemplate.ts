// Reading an ARM JSON template offline: its bracket expressions parsed into calls (a small tokenizer
// and recursive-descent parser for the template expression language), and its templates walked
// scope by scope, so the tests can check every reference against what the template declares.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../../..");

export interface Resource {
  readonly type: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly dependsOn?: readonly string[];
  readonly properties?: Record<string, unknown> & {
    readonly expressionEvaluationOptions?: { readonly scope?: string };
    readonly template?: Template;
  };
  readonly [key: string]: unknown;
}

export interface Template {
  readonly parameters?: Record<string, { readonly type: string; readonly defaultValue?: unknown }>;
  readonly variables?: Record<string, unknown>;
  readonly resources: readonly Resource[];
  readonly outputs?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(resolve(ROOT, path), "utf8")) as T;
}

/** A parsed expression: a call with its arguments, a string or number literal; `text` is its source. */
export type Expression =
  | { readonly kind: "call"; readonly name: string; readonly args: readonly Expression[]; readonly text: string }
  | { readonly kind: "string"; readonly value: string; readonly text: string }
  | { readonly kind: "number"; readonly text: string }
  | { readonly kind: "access"; readonly target: Expression; readonly text: string };

interface Token {
  readonly kind: "ident" | "string" | "number" | "punct";
  readonly value: string;
  readonly at: number;
  readonly end: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    const number = /^-?\d+/.exec(rest);
    if (rest.startsWith("'")) {
      let end = at + 1;
      let value = "";
      for (;;) {
        if (end >= source.length) throw new Error(`unterminated string in [${source}]`);
        if (source[end] === "'" && source[end + 1] === "'") {
          value += "'";
          end += 2;
        } else if (source[end] === "'") break;
        else value += source[end++];
      }
      tokens.push({ kind: "string", value, at, end: end + 1 });
      at = end + 1;
    } else if (ident) {
      tokens.push({ kind: "ident", value: ident[0], at, end: at + ident[0].length });
      at += ident[0].length;
    } else if (number) {
      tokens.push({ kind: "number", value: number[0], at, end: at + number[0].length });
      at += number[0].length;
    } else if ("(),.[]".includes(rest[0]!)) {
      tokens.push({ kind: "punct", value: rest[0]!, at, end: at + 1 });
      at += 1;
    } else {
      throw new Error(`unexpected "${rest[0]}" at ${at} in [${source}]`);
    }
  }
  return tokens;
}

/** Parses the inside of a bracket expression ("[...]" without the brackets). */
export function parseExpression(source: string): Expression {
  const tokens = tokenize(source);
  let next = 0;
  const peek = (value: string) => tokens[next]?.kind === "punct" && tokens[next]?.value === value;
  const expect = (value: string) => {
    if (!peek(value)) throw new Error(`expected "${value}" at token ${next} in [${source}]`);
    next++;
  };
  const end = () => tokens[next - 1]!.end;

  function primary(): Expression {
    const token = tokens[next++];
    if (!token) throw new Error(`unexpected end of [${source}]`);
    if (token.kind === "string") return { kind: "string", value: token.value, text: source.slice(token.at, token.end) };
    if (token.kind === "number") return { kind: "number", text: token.value };
    if (token.kind !== "ident") throw new Error(`unexpected "${token.value}" in [${source}]`);
    expect("(");
    const args: Expression[] = [];
    while (!peek(")")) {
      args.push(expression());
      if (!peek(")")) expect(",");
    }
    expect(")");
    return { kind: "call", name: token.value, args, text: source.slice(token.at, end()) };
  }

  function expression(): Expression {
    const start = tokens[next]?.at ?? 0;
    let result = primary();
    while (peek(".") || peek("[")) {
      if (peek(".")) {
        next++;
        if (tokens[next++]?.kind !== "ident") throw new Error(`expected a property name in [${source}]`);
      } else {
        next++;
        expression();
        expect("]");
      }
      result = { kind: "access", target: result, text: source.slice(start, end()) };
    }
    return result;
  }

  const parsed = expression();
  if (next !== tokens.length) throw new Error(`trailing tokens in [${source}]`);
  return parsed;
}

/** Every call in an expression, outermost first. */
export function callsIn(expression: Expression): Extract<Expression, { kind: "call" }>[] {
  if (expression.kind === "access") return callsIn(expression.target);
  if (expression.kind !== "call") return [];
  return [expression, ...expression.args.flatMap(callsIn)];
}

/** A string is an expression when it is bracketed and not escaped with "[[". */
export function expressionOf(value: string): Expression | undefined {
  if (!value.startsWith("[") || value.startsWith("[[") || !value.endsWith("]")) return undefined;
  return parseExpression(value.slice(1, -1));
}

/**
 * Every string (keys too) that belongs to one template's own expression scope, with its JSON path:
 * a nested deployment evaluated in the "inner" scope is a template of its own (see nestedTemplates).
 */
export function stringsOf(template: Template): { path: string; value: string }[] {
  const found: { path: string; value: string }[] = [];
  const walk = (node: unknown, path: string) => {
    if (typeof node === "string") found.push({ path, value: node });
    else if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${path}[${index}]`));
    else if (node && typeof node === "object") {
      const inner = isInnerDeployment(node);
      for (const [key, value] of Object.entries(node)) {
        found.push({ path: `${path}{key}`, value: key });
        if (inner && key === "properties") {
          const { template: _nested, ...rest } = value as Record<string, unknown>;
          walk(rest, `${path}.properties`);
        } else walk(value, `${path}.${key}`);
      }
    }
  };
  walk(template, "$");
  return found;
}

function isInnerDeployment(node: object): boolean {
  const resource = node as Partial<Resource>;
  return (
    resource.type === "Microsoft.Resources/deployments" &&
    resource.properties?.expressionEvaluationOptions?.scope === "inner"
  );
}

/** The template and every nested template under it, each one its own scope. */
export function templatesIn(template: Template): Template[] {
  return [
    template,
    ...template.resources.flatMap((resource) =>
      resource.properties?.template ? templatesIn(resource.properties.template) : [],
    ),
  ];
}

/** Every resource of every scope. */
export function resourcesIn(template: Template): Resource[] {
  return templatesIn(template).flatMap((scope) => scope.resources);
}
