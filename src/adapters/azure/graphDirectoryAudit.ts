// Who changed a group's members, from Entra's audit log (GET /auditLogs/directoryAudits, which needs
// AuditLog.Read.All). An "Add member to group" entry names the member among its target resources and
// the group either as another target or in the modified property Group.ObjectID.
import type { Attribution } from "../../domain/groups.js";
import type { DirectoryAudit, MemberChangeQuery } from "../../ports/directoryAudit.js";
import { asTransient, GraphFailure, type GraphApi } from "./graph.js";

interface DirectoryAuditEntry {
  activityDateTime: string;
  result?: string;
  initiatedBy?: {
    user?: { id?: string | null; displayName?: string | null; userPrincipalName?: string | null } | null;
    app?: { displayName?: string | null; servicePrincipalId?: string | null } | null;
  };
  targetResources?: {
    id?: string | null;
    modifiedProperties?: { displayName?: string | null; oldValue?: string | null; newValue?: string | null }[];
  }[];
}

const ACTIVITY = { added: "Add member to group", removed: "Remove member from group" } as const;

export class GraphDirectoryAudit implements DirectoryAudit {
  constructor(private readonly graph: GraphApi) {}

  async whoChanged(query: MemberChangeQuery): Promise<Attribution> {
    const memberId = query.memberId.toLowerCase();
    const filter =
      `activityDisplayName eq '${ACTIVITY[query.change]}' and activityDateTime ge ${query.since.toISOString()}` +
      ` and targetResources/any(t:t/id eq '${memberId}')`;
    let entries: DirectoryAuditEntry[];
    try {
      entries = await this.graph.getAll<DirectoryAuditEntry>(
        `/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}&$top=50`,
      );
    } catch (error) {
      if (error instanceof GraphFailure && (error.status === 401 || error.status === 403)) {
        return {
          kind: "unavailable",
          reason: `${error.code}: grant the app AuditLog.Read.All to name who made changes`,
        };
      }
      return asTransient(error, "read the directory audit log");
    }
    const group = query.groupId.toLowerCase();
    const names = (entry: DirectoryAuditEntry) =>
      (entry.targetResources ?? []).some(
        (target) =>
          target.id?.toLowerCase() === group ||
          (target.modifiedProperties ?? []).some(
            (property) =>
              property.displayName === "Group.ObjectID" &&
              `${property.newValue ?? ""}${property.oldValue ?? ""}`.toLowerCase().includes(group),
          ),
      );
    const entry = entries
      .filter((candidate) => candidate.result !== "failure" && names(candidate))
      .sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime))[0];
    if (!entry) return { kind: "not-found" };
    const { user, app } = entry.initiatedBy ?? {};
    if (user?.id || user?.userPrincipalName) {
      return {
        kind: "found",
        author: {
          kind: "user",
          ...(user.id ? { id: user.id } : {}),
          displayName: user.displayName ?? user.userPrincipalName ?? user.id ?? "unknown",
          ...(user.userPrincipalName ? { upn: user.userPrincipalName } : {}),
          at: entry.activityDateTime,
        },
      };
    }
    return {
      kind: "found",
      author: {
        kind: "app",
        ...(app?.servicePrincipalId ? { id: app.servicePrincipalId } : {}),
        displayName: app?.displayName ?? "an application",
        at: entry.activityDateTime,
      },
    };
  }
}
