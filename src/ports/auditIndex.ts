import type { AuditHead } from "../domain/audit.js";
import type { SealedHead } from "./auditLog.js";

export interface IndexedRequest {
  readonly requestId: string;
  readonly cluster: string;
  readonly requestedAt: string;
  /** The requester's UPN. */
  readonly requester: string;
  /** The head of its trail, recorded when the request ended. */
  readonly closedHead?: SealedHead;
}

export interface AuditQuery {
  /** An AKS resource id; all clusters when absent. */
  readonly cluster?: string;
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
  /** A cursor from a previous page. */
  readonly after?: string;
  readonly limit: number;
}

/** A request as the index knows it, and whether range queries can find it. */
export interface IndexEntry extends IndexedRequest {
  /** Listed under its cluster and under its month: queries by cluster and by time find it. */
  readonly findable: boolean;
}

/** Requests findable by cluster and by time without reading the audit trail itself. */
export interface AuditIndex {
  /** Idempotent. */
  add(request: Omit<IndexedRequest, "closedHead">): Promise<void>;
  recordClosedHead(requestId: string, head: AuditHead): Promise<void>;
  get(requestId: string): Promise<IndexEntry | undefined>;
  /** Oldest first; `next` is the cursor of the following page, if there is one. */
  find(query: AuditQuery): Promise<{ readonly requests: readonly IndexedRequest[]; readonly next?: string }>;
}
