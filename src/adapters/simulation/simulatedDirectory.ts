// A simulated Entra directory in Table Storage: users, groups and membership edges (a member
// may be a user or a group, so membership is transitive as in Entra). Seeded once from the
// fixtures; after that only explicit changes alter it, across restarts and processes. Like Entra it
// answers delta queries on a group's members and keeps an audit log of who changed them.
import { odata, type TableClient } from "@azure/data-tables";
import { membershipDiff, type Attribution, type ChangeAuthor } from "../../domain/groups.js";
import type { Directory, DirectoryGroup, DirectoryUser } from "../../ports/directory.js";
import type { DirectoryAudit, MemberChangeQuery } from "../../ports/directoryAudit.js";
import type { GroupChanges, MembershipDelta } from "../../ports/groupChanges.js";
import {
  queryAll,
  readEntity,
  storageCall,
  Table,
  tryStorageCall,
  type Entity,
  type TableStorageSettings,
} from "../azure/tables.js";
import { SIMULATION_GROUPS, SIMULATION_USERS } from "./fixtures.js";

const USERS = "user";
const GROUPS = "group";
const META = "meta";
const SEEDED = "seeded";
const DELTA_GENERATION = "delta-generation";
const membersOf = (groupId: string) => `members|${groupId.toLowerCase()}`;
const changesOf = (groupId: string) => `changes|${groupId.toLowerCase()}`;
/** A simulated delta link carries the member list it was issued for; only links of the current generation are accepted. */
const DELTA_LINK = /^simulation:delta:([^:]+):(\d+):([^:]*)$/;

/** Who changes a group through the simulation when the caller does not say. */
export const SIMULATION_CHANGE_AUTHOR = { kind: "app", displayName: "the simulation's dev API" } as const;

export class SimulatedDirectory implements Directory, GroupChanges, DirectoryAudit {
  private readonly table: Table;
  private seeded: Promise<TableClient> | undefined;

  constructor(settings: TableStorageSettings) {
    this.table = new Table(settings, "SimDirectory");
  }

  async getUser(oid: string): Promise<DirectoryUser | undefined> {
    const row = await readEntity(await this.client(), USERS, oid.toLowerCase());
    return row ? toUser(row) : undefined;
  }

  /** Finds a user by UPN, in any casing (for dev sign-in). */
  async findUserByUpn(upn: string): Promise<DirectoryUser | undefined> {
    const rows = await queryAll(
      await this.client(),
      odata`PartitionKey eq ${USERS} and upnLower eq ${upn.trim().toLowerCase()}`,
      "find user by UPN",
    );
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async checkMemberGroups(oid: string, groupIds: readonly string[]): Promise<readonly string[]> {
    const client = await this.client();
    const closure = new Set<string>();
    let frontier = [oid.toLowerCase()];
    while (frontier.length) {
      const parents: string[] = [];
      for (const memberId of frontier) {
        const edges = await queryAll(
          client,
          odata`RowKey eq ${memberId} and PartitionKey ge ${"members|"} and PartitionKey lt ${"members}"}`,
          "read memberships",
        );
        for (const edge of edges) {
          const groupId = String(edge.partitionKey).slice("members|".length);
          if (!closure.has(groupId)) parents.push(groupId);
          closure.add(groupId);
        }
      }
      frontier = parents;
    }
    return groupIds.filter((groupId) => closure.has(groupId.toLowerCase()));
  }

  async listTransitiveUsers(groupId: string): Promise<readonly DirectoryUser[]> {
    const client = await this.client();
    const seenGroups = new Set<string>();
    const userIds = new Set<string>();
    let frontier = [groupId.toLowerCase()];
    while (frontier.length) {
      const next: string[] = [];
      for (const group of frontier) {
        if (seenGroups.has(group)) continue; // nested groups may form cycles
        seenGroups.add(group);
        for (const edge of await queryAll(client, odata`PartitionKey eq ${membersOf(group)}`, "list group members")) {
          if (edge.kind === "group") next.push(String(edge.rowKey));
          else userIds.add(String(edge.rowKey));
        }
      }
      frontier = next;
    }
    const users = await Promise.all([...userIds].map((id) => this.getUser(id)));
    return users.filter((user): user is DirectoryUser => user !== undefined);
  }

  /** A group by id or display name, in any casing (for the dev routes). */
  async findGroup(nameOrId: string): Promise<{ id: string; displayName: string } | undefined> {
    const wanted = nameOrId.trim().toLowerCase();
    const groups = await queryAll(await this.client(), odata`PartitionKey eq ${GROUPS}`, "list groups");
    const group = groups.find((row) => row.rowKey === wanted || String(row.displayName).toLowerCase() === wanted);
    return group ? { id: String(group.rowKey), displayName: String(group.displayName) } : undefined;
  }

  async getGroup(groupId: string): Promise<DirectoryGroup | undefined> {
    const row = await readEntity(await this.client(), GROUPS, groupId.toLowerCase());
    return row ? { id: String(row.rowKey), displayName: String(row.displayName) } : undefined;
  }

  async membershipDelta(groupId: string, deltaLink?: string): Promise<MembershipDelta> {
    const group = groupId.toLowerCase();
    const client = await this.client();
    const generation = Number((await readEntity(client, META, DELTA_GENERATION))?.generation ?? 0);
    const members = (await queryAll(client, odata`PartitionKey eq ${membersOf(group)}`, "list group members")).map(
      (edge) => ({
        id: String(edge.rowKey),
        kind: edge.kind === "group" ? ("group" as const) : ("user" as const),
      }),
    );
    const link = `simulation:delta:${group}:${generation}:${members
      .map((member) => member.id)
      .sort()
      .join(",")}`;
    if (deltaLink === undefined)
      return { kind: "changes", changes: members.map((member) => ({ ...member, change: "added" })), deltaLink: link };
    const parsed = DELTA_LINK.exec(deltaLink);
    if (!parsed || parsed[1] !== group || Number(parsed[2]) !== generation) return { kind: "resync-required" };
    const { added, removed } = membershipDiff(
      parsed[3] ? parsed[3].split(",") : [],
      members.map((member) => member.id),
    );
    const kindOf = new Map(members.map((member) => [member.id, member.kind]));
    return {
      kind: "changes",
      changes: [
        ...added.map((id) => ({ id, kind: kindOf.get(id) ?? ("user" as const), change: "added" as const })),
        ...removed.map((id) => ({ id, kind: "user" as const, change: "removed" as const })),
      ],
      deltaLink: link,
    };
  }

  /** Makes every delta link issued so far unacceptable, as when Entra's sync state expires. */
  async expireDeltaLinks(): Promise<void> {
    const client = await this.client();
    const generation = Number((await readEntity(client, META, DELTA_GENERATION))?.generation ?? 0);
    await storageCall("expire delta links", () =>
      client.upsertEntity({ partitionKey: META, rowKey: DELTA_GENERATION, generation: generation + 1 }, "Replace"),
    );
  }

  async whoChanged(query: MemberChangeQuery): Promise<Attribution> {
    const rows = await queryAll(
      await this.client(),
      odata`PartitionKey eq ${changesOf(query.groupId)} and memberId eq ${query.memberId.toLowerCase()} and change eq ${query.change} and at ge ${query.since.toISOString()}`,
      "read the directory audit log",
    );
    const latest = rows.sort((a, b) => String(b.at).localeCompare(String(a.at)))[0];
    if (!latest) return { kind: "not-found" };
    return { kind: "found", author: JSON.parse(String(latest.author)) as ChangeAuthor };
  }

  /** Adds a user to the directory (idempotent), e.g. to simulate a larger team. */
  async addUser(user: DirectoryUser): Promise<void> {
    const client = await this.client();
    await storageCall("add user", () =>
      client.upsertEntity(
        {
          partitionKey: USERS,
          rowKey: user.oid.toLowerCase(),
          upn: user.upn,
          upnLower: user.upn.toLowerCase(),
          displayName: user.displayName,
          mail: user.mail ?? "",
          accountEnabled: user.accountEnabled,
        },
        "Replace",
      ),
    );
  }

  /** Adds a user to a group (idempotent); a change is logged with its author, as Entra does. */
  async addMember(
    groupId: string,
    oid: string,
    author: Omit<ChangeAuthor, "at"> = SIMULATION_CHANGE_AUTHOR,
    at = new Date(),
  ): Promise<void> {
    const client = await this.client();
    const added = await tryStorageCall("add group member", () =>
      client.createEntity({ partitionKey: membersOf(groupId), rowKey: oid.toLowerCase(), kind: "user" }),
    );
    if (added.ok) await this.logChange(client, groupId, oid, "added", author, at); // 409: a member already
  }

  /** Removes a direct member from a group (idempotent); a change is logged with its author. */
  async removeMember(
    groupId: string,
    oid: string,
    author: Omit<ChangeAuthor, "at"> = SIMULATION_CHANGE_AUTHOR,
    at = new Date(),
  ): Promise<void> {
    const client = await this.client();
    const removed = await tryStorageCall("remove group member", () =>
      client.deleteEntity(membersOf(groupId), oid.toLowerCase()),
    );
    if (removed.ok) await this.logChange(client, groupId, oid, "removed", author, at); // 404: not a member
  }

  private async logChange(
    client: TableClient,
    groupId: string,
    oid: string,
    change: "added" | "removed",
    author: Omit<ChangeAuthor, "at">,
    at: Date,
  ) {
    const memberId = oid.toLowerCase();
    const entry = {
      partitionKey: changesOf(groupId),
      rowKey: `${at.toISOString()}-${memberId}-${change}`,
      memberId,
      change,
      at: at.toISOString(),
    };
    await storageCall("log a group change", () =>
      client.upsertEntity({ ...entry, author: JSON.stringify({ ...author, at: entry.at }) }, "Replace"),
    );
  }

  private client(): Promise<TableClient> {
    this.seeded ??= this.seed().catch((error: unknown) => {
      this.seeded = undefined;
      throw error;
    });
    return this.seeded;
  }

  /** Writes the fixtures the first time this storage sees a directory; the marker row comes last. */
  private async seed(): Promise<TableClient> {
    const client = await this.table.client();
    if (await readEntity(client, META, SEEDED)) return client;
    const rows = [
      ...Object.values(SIMULATION_GROUPS).map((group) => ({
        partitionKey: GROUPS,
        rowKey: group.id,
        displayName: group.displayName,
      })),
      ...SIMULATION_USERS.flatMap((user) => [
        {
          partitionKey: USERS,
          rowKey: user.oid,
          upn: user.upn,
          upnLower: user.upn.toLowerCase(),
          displayName: user.displayName,
          mail: user.mail,
          accountEnabled: user.accountEnabled,
        },
        ...user.groups.map((group) => ({
          partitionKey: membersOf(SIMULATION_GROUPS[group].id),
          rowKey: user.oid,
          kind: "user",
        })),
      ]),
      { partitionKey: META, rowKey: SEEDED },
    ];
    for (const row of rows) {
      await tryStorageCall(`seed ${row.partitionKey}/${row.rowKey}`, () => client.createEntity(row)); // 409: another process seeded it
    }
    return client;
  }
}

function toUser(row: Entity): DirectoryUser {
  return {
    oid: String(row.rowKey),
    upn: String(row.upn),
    displayName: String(row.displayName),
    mail: typeof row.mail === "string" && row.mail ? row.mail : undefined,
    accountEnabled: row.accountEnabled === true,
  };
}
