import type { AuditEntry } from "../domain/audit.js";

export type AppendResult =
  | { readonly kind: "appended" }
  /** The same entry was already stored under its key: a retried append. */
  | { readonly kind: "duplicate" }
  /** A different entry is stored under the key: a bug or tampering, never overwritten. */
  | { readonly kind: "conflict"; readonly existing: AuditEntry };

/** Append-only: there is no update or delete. Storage outages are thrown as TransientError. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<AppendResult>;
  /** Every entry of a stream, in key order. */
  readStream(stream: string): Promise<readonly AuditEntry[]>;
}
