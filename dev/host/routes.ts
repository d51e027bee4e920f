// Route templates as Azure Functions declares them ("requests/{id}/approve", "{name?}"), under
// the host's route prefix, matched the way the host does: case-insensitive literals, one path
// segment per parameter.

export interface CompiledRoute<T> {
  readonly target: T;
  readonly methods: readonly string[];
  readonly pattern: RegExp;
  readonly parameters: readonly string[];
}

export type RouteMatch<T> =
  | { readonly kind: "found"; readonly target: T; readonly params: Record<string, string> }
  | { readonly kind: "method-not-allowed"; readonly allowed: readonly string[] }
  | { readonly kind: "not-found" };

export function compileRoute<T>(
  prefix: string,
  template: string,
  methods: readonly string[],
  target: T,
): CompiledRoute<T> {
  const parameters: string[] = [];
  const segments = [prefix, ...template.split("/")].filter(Boolean).map((segment) => {
    const parameter = /^\{(\w+)(?::[^}?]+)?(\?)?\}$/.exec(segment);
    if (!parameter) return `/${escapeRegExp(segment)}`;
    parameters.push(parameter[1]!);
    return parameter[2] ? "(?:/([^/]+))?" : "/([^/]+)";
  });
  return {
    target,
    methods: methods.map((method) => method.toUpperCase()),
    pattern: new RegExp(`^${segments.join("")}/?$`, "i"),
    parameters,
  };
}

export function matchRoute<T>(routes: readonly CompiledRoute<T>[], method: string, pathname: string): RouteMatch<T> {
  const allowed = new Set<string>();
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    if (!route.methods.includes(method.toUpperCase())) {
      route.methods.forEach((allowedMethod) => allowed.add(allowedMethod));
      continue;
    }
    const params: Record<string, string> = {};
    route.parameters.forEach((name, index) => {
      const value = match[index + 1];
      if (value !== undefined) params[name] = decodeURIComponent(value);
    });
    return { kind: "found", target: route.target, params };
  }
  return allowed.size ? { kind: "method-not-allowed", allowed: [...allowed] } : { kind: "not-found" };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
