// A fake Microsoft Graph (v1.0) with what the app uses: users, nested groups, checkMemberGroups
// (transitive), transitive members with paging, the group delta query (paging, @removed, expired
// tokens), the directory audit log of membership changes, change-notification subscriptions (with
// the validation handshake), sendMail and the Conditional Access policies. It refuses requests
// without the Graph token: the fake credential's, or an app token (see credential()) that carries
// the application roles granted to the app, which the Conditional Access policies need.
import type { TokenCredential } from "@azure/core-auth";
import { GRANTED_GRAPH_ROLES } from "../../../src/domain/graphRoles.js";
import {
  appToken,
  appTokenClaims,
  fakeCredential,
  HttpsFake,
  isBearerFor,
  type FakeRequest,
  type FakeResponse,
} from "./https.js";

export interface FakeUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  accountEnabled: boolean;
}

interface Change {
  version: number;
  groupId: string;
  memberId: string;
  change: "added" | "removed";
}

export interface FakeSubscription {
  id: string;
  resource: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState: string;
  changeType: string;
  expirationDateTime: string;
  reauthorized: number;
}

export interface FakeConditionalAccessPolicy {
  id: string;
  displayName: string;
  state: "enabled" | "disabled" | "enabledForReportingButNotEnforced";
  includeApplications: string[];
  excludeGroups: string[];
}

/** The Graph application roles the README asks an admin to consent to. */
export const GRANTED_APP_ROLES: readonly string[] = GRANTED_GRAPH_ROLES;

/** Graph's limit for group subscriptions. */
const GROUP_SUBSCRIPTION_MAX_MINUTES = 41_760;

export class FakeGraph extends HttpsFake {
  readonly users = new Map<string, FakeUser>();
  readonly subscriptions = new Map<string, FakeSubscription>();
  /** Entries of /auditLogs/directoryAudits, newest last. */
  readonly directoryAudits: unknown[] = [];
  /** When false, the audit log answers 403 (no AuditLog.Read.All). */
  auditLogReadable = true;
  /** Graph calls the notification URL with a validation token before it creates a subscription. */
  validate: (url: string, token: string) => Promise<string | undefined> = () => Promise.resolve(undefined);
  /** Graph's clock, for subscription expiry limits. */
  now: () => Date = () => new Date();
  private subscriptionCount = 0;
  readonly groups = new Map<string, { displayName: string; members: Set<string> }>();
  private readonly changes: Change[] = [];
  private version = 0;
  /** Delta tokens no longer accepted (Graph answers 410). */
  readonly expiredTokens = new Set<string>();
  /** Tokens up to this version are no longer accepted either. */
  private expiredUpTo = -1;
  pageSize = 2;
  /** The application roles consented for the app: what its tokens carry (remove one to deny it). */
  readonly appRoles = new Set<string>(GRANTED_APP_ROLES);
  readonly conditionalAccessPolicies: FakeConditionalAccessPolicy[] = [];

  constructor() {
    super((request) => this.route(request));
  }

  addUser(user: FakeUser): void {
    this.users.set(user.id.toLowerCase(), user);
  }

  addGroup(id: string, displayName: string, members: readonly string[] = []): void {
    this.groups.set(id.toLowerCase(), { displayName, members: new Set() });
    for (const member of members) this.addMember(id, member);
  }

  addMember(groupId: string, memberId: string): void {
    this.groups.get(groupId.toLowerCase())!.members.add(memberId.toLowerCase());
    this.changes.push({
      version: ++this.version,
      groupId: groupId.toLowerCase(),
      memberId: memberId.toLowerCase(),
      change: "added",
    });
  }

  removeMember(groupId: string, memberId: string): void {
    this.groups.get(groupId.toLowerCase())!.members.delete(memberId.toLowerCase());
    this.changes.push({
      version: ++this.version,
      groupId: groupId.toLowerCase(),
      memberId: memberId.toLowerCase(),
      change: "removed",
    });
  }

  /** Logs a membership change in the directory audit log, as Entra does a few minutes after it. */
  logMembershipChange(
    change: "added" | "removed",
    groupId: string,
    memberId: string,
    by: { id: string; userPrincipalName: string; displayName: string },
    at: Date,
  ): void {
    this.directoryAudits.push({
      id: `audit-${this.directoryAudits.length + 1}`,
      category: "GroupManagement",
      activityDisplayName: change === "added" ? "Add member to group" : "Remove member from group",
      activityDateTime: at.toISOString(),
      result: "success",
      initiatedBy: { user: { ...by, ipAddress: "203.0.113.7" }, app: null },
      targetResources: [
        {
          id: memberId,
          type: "User",
          modifiedProperties: [
            {
              displayName: "Group.ObjectID",
              oldValue: change === "removed" ? `"${groupId}"` : null,
              newValue: change === "added" ? `"${groupId}"` : null,
            },
          ],
        },
      ],
    });
  }

  /**
   * The app's credential as Entra answers it: for this Graph an app token with the roles consented
   * now, for any other resource the fake credential's token.
   */
  credential(): TokenCredential {
    return {
      getToken: async (scopes) => {
        const scope = [scopes].flat().join(" ");
        if (scope !== `${this.url}/.default`) return fakeCredential.getToken(scopes);
        return { token: appToken(this.url, [...this.appRoles]), expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
  }

  /** Forgets the sync state of every delta token issued so far. */
  expireDeltaTokens(): void {
    this.expiredUpTo = this.version;
  }

  /** The mails sent through sendMail, as Graph received them. */
  sentMail(): {
    sender: string;
    message: {
      subject: string;
      body: { contentType: string; content: string };
      toRecipients: { emailAddress: { address: string } }[];
    };
  }[] {
    return this.received("POST", /\/sendMail$/).map((request) => ({
      sender: /\/users\/([^/]+)\/sendMail$/.exec(request.path)![1]!,
      ...(request.body as { message: never }),
    }));
  }

  private route(request: FakeRequest): FakeResponse | Promise<FakeResponse> {
    const claims = appTokenClaims(request.headers.authorization);
    if (!isBearerFor(this, request.headers.authorization))
      return error(401, "InvalidAuthenticationToken", "Access token is empty.");
    const path = request.path.replace(/^\/v1\.0/, "");
    if (request.method === "GET" && path === "/identity/conditionalAccess/policies") {
      // Graph reads the roles from the token; the fake credential's opaque token stands for what is consented.
      const roles = Array.isArray(claims?.roles) ? claims.roles : [...this.appRoles];
      return roles.includes("Policy.Read.All")
        ? this.page(request, this.conditionalAccessPolicies.map(policyModel), (items, next) => ({
            value: items,
            ...next,
          }))
        : error(
            403,
            "AccessDenied",
            "You cannot perform the requested operation, required scopes are missing in the token.",
          );
    }
    let match: RegExpExecArray | null;
    if (request.method === "POST" && (match = /^\/users\/([^/]+)\/checkMemberGroups$/.exec(path))) {
      const user = this.user(match[1]!);
      if (!user) return notFound(match[1]!);
      const wanted = (request.body as { groupIds: string[] }).groupIds;
      const memberOf = this.groupsOf(user.id.toLowerCase());
      return { status: 200, body: { value: wanted.filter((id) => memberOf.has(id.toLowerCase())) } };
    }
    if (request.method === "POST" && (match = /^\/users\/([^/]+)\/sendMail$/.exec(path))) {
      return this.user(match[1]!) ? { status: 202 } : notFound(match[1]!);
    }
    if (request.method === "GET" && (match = /^\/users\/([^/]+)$/.exec(path))) {
      const user = this.user(match[1]!);
      return user ? { status: 200, body: select(user, request.query.get("$select")) } : notFound(match[1]!);
    }
    if (
      request.method === "GET" &&
      (match = /^\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/.exec(path))
    ) {
      const group = this.groups.get(match[1]!.toLowerCase());
      if (!group) return notFound(match[1]!);
      const users = [...this.usersIn(match[1]!.toLowerCase())].map((id) => this.users.get(id)!).filter(Boolean);
      return this.page(
        request,
        users.map((user) => select(user, request.query.get("$select"))),
        (items, next) => ({ value: items, ...next }),
      );
    }
    if (request.method === "GET" && path === "/groups/delta") return this.delta(request);
    if (request.method === "GET" && (match = /^\/groups\/([^/]+)$/.exec(path))) {
      const group = this.groups.get(match[1]!.toLowerCase());
      return group
        ? { status: 200, body: { id: match[1]!.toLowerCase(), displayName: group.displayName } }
        : notFound(match[1]!);
    }
    if (request.method === "GET" && path === "/auditLogs/directoryAudits") return this.audits(request);
    if (path.startsWith("/subscriptions")) return this.subscription(request, path);
    return error(400, "BadRequest", `the fake does not serve ${request.method} ${request.path}`);
  }

  private delta(request: FakeRequest): FakeResponse {
    const token = request.query.get("$deltatoken");
    if (token !== null && (this.expiredTokens.has(token) || Number(token) <= this.expiredUpTo))
      return error(410, "syncStateNotFound", "The delta token has expired.");
    const groupId = (
      /id eq '([^']+)'/.exec(request.query.get("$filter") ?? "")?.[1] ??
      request.query.get("groupId") ??
      ""
    ).toLowerCase();
    const since = token === null ? undefined : Number(token);
    let members: { id: string; removed: boolean }[];
    if (since === undefined) {
      members = [...(this.groups.get(groupId)?.members ?? [])].map((id) => ({ id, removed: false }));
    } else {
      const last = new Map<string, Change>();
      for (const change of this.changes)
        if (change.groupId === groupId && change.version > since) last.set(change.memberId, change);
      members = [...last.values()].map((change) => ({ id: change.memberId, removed: change.change === "removed" }));
    }
    const entries = members.map((member) => ({
      "@odata.type": this.groups.has(member.id) ? "#microsoft.graph.group" : "#microsoft.graph.user",
      id: member.id,
      ...(member.removed ? { "@removed": { reason: "deleted" } } : {}),
    }));
    return this.page(request, entries, (items, next) => ({
      value: [{ id: groupId, "members@delta": items }],
      ...(next["@odata.nextLink"]
        ? next
        : { "@odata.deltaLink": `${this.url}/v1.0/groups/delta?$deltatoken=${this.version}&groupId=${groupId}` }),
    }));
  }

  /** The audit log, narrowed by the filter the app sends: activity, time and target member. */
  private audits(request: FakeRequest): FakeResponse {
    if (!this.auditLogReadable)
      return error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    const filter = request.query.get("$filter") ?? "";
    const activity = /activityDisplayName eq '([^']+)'/.exec(filter)?.[1];
    const since = /activityDateTime ge (\S+)/.exec(filter)?.[1];
    const target = /t\/id eq '([^']+)'/.exec(filter)?.[1];
    const entries = (
      this.directoryAudits as {
        activityDisplayName: string;
        activityDateTime: string;
        targetResources: { id: string }[];
      }[]
    ).filter(
      (entry) =>
        (!activity || entry.activityDisplayName === activity) &&
        (!since || entry.activityDateTime >= since) &&
        (!target || entry.targetResources.some((resource) => resource.id.toLowerCase() === target.toLowerCase())),
    );
    return this.page(request, entries, (items, next) => ({ value: items, ...next }));
  }

  private async createSubscription(request: FakeRequest): Promise<FakeResponse> {
    const body = request.body as Omit<FakeSubscription, "id" | "reauthorized">;
    const minutes = (Date.parse(body.expirationDateTime) - this.now().getTime()) / 60_000;
    if (!(minutes > 0 && minutes <= GROUP_SUBSCRIPTION_MAX_MINUTES))
      return error(400, "InvalidRequest", "Subscription expiration can only be 41760 minutes in the future.");
    for (const url of new Set([body.notificationUrl, body.lifecycleNotificationUrl ?? body.notificationUrl])) {
      const token = `validation-${this.subscriptionCount + 1}-${url.length}`;
      if ((await this.validate(url, token)) !== token)
        return error(
          400,
          "InvalidRequest",
          "Subscription validation request failed. Response must exactly match validationToken query parameter.",
        );
    }
    const subscription: FakeSubscription = { ...body, id: `sub-${++this.subscriptionCount}`, reauthorized: 0 };
    this.subscriptions.set(subscription.id, subscription);
    return { status: 201, body: subscription };
  }

  private subscription(request: FakeRequest, path: string): FakeResponse | Promise<FakeResponse> {
    if (request.method === "POST" && path === "/subscriptions") return this.createSubscription(request);
    const match = /^\/subscriptions\/([^/]+)(\/reauthorize)?$/.exec(path);
    const found = match ? this.subscriptions.get(match[1]!) : undefined;
    if (!found) return error(404, "ResourceNotFound", "The object was not found.");
    if (request.method === "POST" && match![2]) {
      found.reauthorized++;
      return { status: 204 };
    }
    if (request.method === "PATCH" && !match![2]) {
      found.expirationDateTime = (request.body as { expirationDateTime: string }).expirationDateTime;
      return { status: 200, body: found };
    }
    return error(400, "BadRequest", `the fake does not serve ${request.method} ${request.path}`);
  }

  /** One page of `items`, with a next link carrying the query and a skip token. */
  private page<T>(
    request: FakeRequest,
    items: T[],
    body: (page: T[], next: { "@odata.nextLink"?: string }) => unknown,
  ): FakeResponse {
    const skip = Number(request.query.get("$skiptoken") ?? "0");
    const page = items.slice(skip, skip + this.pageSize);
    let next: { "@odata.nextLink"?: string } = {};
    if (skip + this.pageSize < items.length) {
      const url = new URL(request.path, this.url);
      request.query.forEach((value, name) => url.searchParams.set(name, value));
      url.searchParams.set("$skiptoken", String(skip + this.pageSize));
      next = { "@odata.nextLink": url.toString() };
    }
    return { status: 200, body: body(page, next) };
  }

  private user(idOrUpn: string): FakeUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.users.get(key) ?? [...this.users.values()].find((user) => user.userPrincipalName.toLowerCase() === key);
  }

  /** Every group the member belongs to, directly or through nested groups. */
  private groupsOf(memberId: string): Set<string> {
    const result = new Set<string>();
    let frontier = [memberId];
    while (frontier.length) {
      const next: string[] = [];
      for (const [groupId, group] of this.groups) {
        if (!result.has(groupId) && frontier.some((id) => group.members.has(id))) {
          result.add(groupId);
          next.push(groupId);
        }
      }
      frontier = next;
    }
    return result;
  }

  private usersIn(groupId: string, seen = new Set<string>()): Set<string> {
    const users = new Set<string>();
    if (seen.has(groupId)) return users;
    seen.add(groupId);
    for (const member of this.groups.get(groupId)?.members ?? []) {
      if (this.groups.has(member)) this.usersIn(member, seen).forEach((id) => users.add(id));
      else users.add(member);
    }
    return users;
  }
}

function select(user: FakeUser, fields: string | null): Record<string, unknown> {
  const wanted = fields ? fields.split(",") : Object.keys(user);
  return Object.fromEntries(
    wanted.filter((field) => field in user).map((field) => [field, user[field as keyof FakeUser]]),
  );
}

/** A policy as Graph v1.0 answers it, with the conditions readiness reads and the ones around them. */
function policyModel(policy: FakeConditionalAccessPolicy) {
  return {
    id: policy.id,
    templateId: null,
    displayName: policy.displayName,
    createdDateTime: "2026-01-05T09:00:00Z",
    modifiedDateTime: null,
    state: policy.state,
    sessionControls: null,
    conditions: {
      userRiskLevels: [],
      signInRiskLevels: [],
      clientAppTypes: ["all"],
      platforms: null,
      locations: null,
      applications: {
        includeApplications: policy.includeApplications,
        excludeApplications: [],
        includeUserActions: [],
        includeAuthenticationContextClassReferences: [],
      },
      users: {
        includeUsers: ["All"],
        excludeUsers: [],
        includeGroups: [],
        excludeGroups: policy.excludeGroups,
        includeRoles: [],
        excludeRoles: [],
      },
    },
    grantControls: { operator: "OR", builtInControls: ["mfa"], customAuthenticationFactors: [], termsOfUse: [] },
  };
}

function notFound(what: string): FakeResponse {
  return error(404, "Request_ResourceNotFound", `Resource '${what}' does not exist.`);
}

function error(status: number, code: string, message: string): FakeResponse {
  return { status, body: { error: { code, message } } };
}
