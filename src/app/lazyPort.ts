// A port whose adapter (and the SDK under it) is loaded on its first call rather than when the app
// is composed: a request pays only for the SDKs its path uses (docs/design.md §13).

/** Ports whose every member is an async method, so a call can wait for the adapter to load. */
type AsyncMethods<T> = { readonly [K in keyof T]: (...args: never[]) => Promise<unknown> };

/**
 * The port `load` makes, loaded once on its first call; a failed load is tried again on the next
 * call. `then` is not a method (an awaited port is the port itself, not a promise to follow).
 */
export function lazyPort<T extends AsyncMethods<T>>(load: () => Promise<T>): T {
  const port = once(load);
  return new Proxy({} as T, {
    get(_target, name) {
      if (typeof name !== "string" || name === "then") return undefined;
      return async (...args: unknown[]) => {
        const adapter = await port();
        const method: unknown = Reflect.get(adapter, name);
        return (method as (...args: unknown[]) => Promise<unknown>).apply(adapter, args);
      };
    },
  });
}

/** `load` run once, on first use; a failure is tried again on the next use. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
