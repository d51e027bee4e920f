// A fake Microsoft Graph (v1.0) with what the app uses: users, nested groups, checkMemberGroups
// (transitive), transitive members with paging, the group delta query (paging, @removed, expired
// tokens) and sendMail. It refuses requests without the Graph token.
import { bearerFor, HttpsFake, type FakeRequest, type FakeResponse } from "./https.js";

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

export class FakeGraph extends HttpsFake {
  readonly users = new Map<string, FakeUser>();
  readonly groups = new Map<string, { displayName: string; members: Set<string> }>();
  private readonly changes: Change[] = [];
  private version = 0;
  /** Delta tokens no longer accepted (Graph answers 410). */
  readonly expiredTokens = new Set<string>();
  pageSize = 2;

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
    this.changes.push({ version: ++this.version, groupId: groupId.toLowerCase(), memberId: memberId.toLowerCase(), change: "added" });
  }

  removeMember(groupId: string, memberId: string): void {
    this.groups.get(groupId.toLowerCase())!.members.delete(memberId.toLowerCase());
    this.changes.push({ version: ++this.version, groupId: groupId.toLowerCase(), memberId: memberId.toLowerCase(), change: "removed" });
  }

  /** The mails sent through sendMail, as Graph received them. */
  sentMail(): { sender: string; message: { subject: string; body: { contentType: string; content: string }; toRecipients: { emailAddress: { address: string } }[] } }[] {
    return this.received("POST", /\/sendMail$/).map((request) => ({
      sender: /\/users\/([^/]+)\/sendMail$/.exec(request.path)![1]!,
      ...(request.body as { message: never }),
    }));
  }

  private route(request: FakeRequest): FakeResponse {
    if (request.headers.authorization !== bearerFor(this)) return error(401, "InvalidAuthenticationToken", "Access token is empty.");
    const path = request.path.replace(/^\/v1\.0/, "");
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
    if (request.method === "GET" && (match = /^\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/.exec(path))) {
      const group = this.groups.get(match[1]!.toLowerCase());
      if (!group) return notFound(match[1]!);
      const users = [...this.usersIn(match[1]!.toLowerCase())].map((id) => this.users.get(id)!).filter(Boolean);
      return this.page(request, users.map((user) => select(user, request.query.get("$select"))), (items, next) => ({ value: items, ...next }));
    }
    if (request.method === "GET" && path === "/groups/delta") return this.delta(request);
    return error(400, "BadRequest", `the fake does not serve ${request.method} ${request.path}`);
  }

  private delta(request: FakeRequest): FakeResponse {
    const token = request.query.get("$deltatoken");
    if (token !== null && this.expiredTokens.has(token)) return error(410, "syncStateNotFound", "The delta token has expired.");
    const groupId = (/id eq '([^']+)'/.exec(request.query.get("$filter") ?? "")?.[1] ?? request.query.get("groupId") ?? "").toLowerCase();
    const since = token === null ? undefined : Number(token);
    let members: { id: string; removed: boolean }[];
    if (since === undefined) {
      members = [...(this.groups.get(groupId)?.members ?? [])].map((id) => ({ id, removed: false }));
    } else {
      const last = new Map<string, Change>();
      for (const change of this.changes) if (change.groupId === groupId && change.version > since) last.set(change.memberId, change);
      members = [...last.values()].map((change) => ({ id: change.memberId, removed: change.change === "removed" }));
    }
    const entries = members.map((member) => ({
      "@odata.type": this.groups.has(member.id) ? "#microsoft.graph.group" : "#microsoft.graph.user",
      id: member.id,
      ...(member.removed ? { "@removed": { reason: "deleted" } } : {}),
    }));
    return this.page(request, entries, (items, next) => ({
      value: [{ id: groupId, "members@delta": items }],
      ...(next["@odata.nextLink"] ? next : { "@odata.deltaLink": `${this.url}/v1.0/groups/delta?$deltatoken=${this.version}&groupId=${groupId}` }),
    }));
  }

  /** One page of `items`, with a next link carrying the query and a skip token. */
  private page<T>(request: FakeRequest, items: T[], body: (page: T[], next: { "@odata.nextLink"?: string }) => unknown): FakeResponse {
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
  return Object.fromEntries(wanted.filter((field) => field in user).map((field) => [field, user[field as keyof FakeUser]]));
}

function notFound(what: string): FakeResponse {
  return error(404, "Request_ResourceNotFound", `Resource '${what}' does not exist.`);
}

function error(status: number, code: string, message: string): FakeResponse {
  return { status, body: { error: { code, message } } };
}
