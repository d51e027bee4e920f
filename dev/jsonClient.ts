// One HTTP call to a running host, JSON in and out, as the end-to-end tests and the benchmark make
// them: a bearer token when given, the body parsed when the answer says it is JSON.
export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
}

export type JsonCall = (
  method: string,
  path: string,
  options?: { token?: string; json?: unknown },
) => Promise<JsonReply>;

/** Calls to `base`; a path that is a whole URL is called as it is. */
export function jsonClient(base: string): JsonCall {
  return async (method, path, options = {}) => {
    const response = await fetch(path.startsWith("http") ? path : `${base}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.json === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
    });
    const text = await response.text();
    const json = text && response.headers.get("content-type")?.includes("json");
    return { status: response.status, body: json ? (JSON.parse(text) as unknown) : text };
  };
}
