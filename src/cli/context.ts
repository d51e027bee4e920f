// What every command that talks to the server is given once it has signed in.
import type { ApiClient } from "./client.js";
import type { Session } from "./session.js";
import type { Terminal } from "./terminal.js";

export interface Context {
  readonly client: ApiClient;
  readonly session: Session;
  readonly terminal: Terminal;
  /** --json: one JSON document on stdout instead of text for people. */
  readonly json: boolean;
  /** How often a waiting command asks for the request again. */
  readonly pollMs: number;
  /** A fresh Idempotency-Key (docs/design.md §4). */
  readonly newKey: () => string;
}

/** Writes the command's result: the JSON document with --json, else the text. */
export function emit(context: Context, document: unknown, text: string): void {
  context.terminal.out(
    context.json ? `${JSON.stringify(document, null, 2)}\n` : text.endsWith("\n") ? text : `${text}\n`,
  );
}
