// Loads the app's own functions/ registrations outside the Functions host. @azure/functions
// hands each app.http/app.timer/df.app.* registration to the module "@azure/functions-core",
// which only the host's worker provides; outside it, registrations are dropped. Providing that
// module here captures them, so tools and tests work from the one list of functions the app
// declares instead of a second copy.
import { createRequire } from "node:module";
import Module from "node:module";

export interface BindingMetadata {
  readonly type: string;
  readonly direction: "in" | "out";
  readonly route?: string;
  readonly methods?: readonly string[];
  readonly authLevel?: string;
  readonly schedule?: string;
  readonly [key: string]: unknown;
}

export interface FunctionRegistration {
  readonly name: string;
  readonly bindings: Readonly<Record<string, BindingMetadata>>;
  readonly handler: (...args: unknown[]) => unknown;
}

const CORE_MODULE = "@azure/functions-core";
const require = createRequire(import.meta.url);

type Resolver = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolver; _cache: Record<string, unknown> };

let captured: FunctionRegistration[] | undefined;

/**
 * Makes "@azure/functions-core" resolvable; must run before @azure/functions is first loaded
 * (it remembers a missing core for good). Idempotent. Returns the live list of registrations.
 */
export function installFunctionsCore(): readonly FunctionRegistration[] {
  if (captured) return captured;
  const registrations: FunctionRegistration[] = [];
  const core = {
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerHook: () => ({ dispose: () => undefined }),
    log: () => undefined,
    registerFunction(
      metadata: { name: string; bindings: Record<string, BindingMetadata> },
      handler: FunctionRegistration["handler"],
    ) {
      registrations.push({ name: metadata.name, bindings: metadata.bindings, handler });
      return { dispose: () => undefined };
    },
  };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === CORE_MODULE ? CORE_MODULE : resolve.call(this, request, ...rest);
  };
  loader._cache[CORE_MODULE] = { id: CORE_MODULE, filename: CORE_MODULE, loaded: true, exports: core };
  if (require.cache[require.resolve("@azure/functions")]) {
    // @azure/functions remembers on first use that there is no core; too late to provide one.
    throw new Error("captureFunctions() must run before @azure/functions is loaded");
  }
  captured = registrations;
  return registrations;
}

/** Imports the given registration modules and returns what they registered. */
export async function captureFunctions(modules: readonly string[]): Promise<readonly FunctionRegistration[]> {
  const registrations = installFunctionsCore();
  for (const path of modules) await import(path);
  return registrations;
}

/** The trigger binding of a registration. */
export function triggerOf(registration: FunctionRegistration): BindingMetadata {
  const trigger = Object.values(registration.bindings).find((binding) => /trigger$/i.test(binding.type));
  if (!trigger) throw new Error(`${registration.name} has no trigger`);
  return trigger;
}
