import type { Attribution } from "../domain/groups.js";

export interface MemberChangeQuery {
  readonly groupId: string;
  readonly memberId: string;
  readonly change: "added" | "removed";
  /** Look at log entries from this time on. */
  readonly since: Date;
}

/** The directory's own audit log (Entra: /auditLogs/directoryAudits, which needs AuditLog.Read.All). */
export interface DirectoryAudit {
  /** Who made a membership change. `unavailable` when the log refuses us; outages are thrown as TransientError. */
  whoChanged(query: MemberChangeQuery): Promise<Attribution>;
}
