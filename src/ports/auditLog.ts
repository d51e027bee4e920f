import type { AuditEntry, AuditHead } from "../domain/audit.js";

export type AppendResult =
  | { readonly kind: "appended" }
  /** The same entry was already stored under its key: a retried append. */
  | { readonly kind: "duplicate" }
  /** A different entry is stored under the key: a bug or tampering, never overwritten. */
  | { readonly kind: "conflict"; readonly existing: AuditEntry };

/** A recorded head and whether its seal holds (false: the record was written without the app's key). */
export interface SealedHead extends AuditHead {
  readonly sealed: boolean;
}

/**
 * Append-only: there is no update or delete of entries. Appending a chained (request) entry moves
 * the stream's head in the same atomic write. Storage outages are thrown as TransientError.
 */
export interface AuditLog {
  append(entry: AuditEntry): Promise<AppendResult>;
  /** Every entry of a stream, in key order. */
  readStream(stream: string): Promise<readonly AuditEntry[]>;
  readHead(stream: string): Promise<SealedHead | undefined>;
}
