// A simulated Entra directory in Table Storage: users, groups and membership edges (a member
// may be a user or a group, so membership is transitive as in Entra). Seeded once with the people
// and groups it is given; after that only explicit changes alter it, across restarts and processes.
// Like Entra it answers delta queries on a group's members and keeps an audit log of who changed them.
import { odata, type TableClient } from "@azure/data-tables";
import { membershipDiff, type Attribution, type ChangeAuthor } from "../../domain/groups.js";
import type { Directory, DirectoryGroup, DirectoryUser } from "../../ports/directory.js";
import type { DirectoryAudit, MemberChangeQuery } from "../../ports/directoryAudit.js";
import type { GroupChanges, MembershipDelta } from "../../ports/groupChanges.js";
import { SIMULATION_CHANGE_AUTHOR, type SimulatedDirectoryEditor } from "../../ports/simulation.js";
import {
  queryAll,
  readEntity,
  storageCall,
  Table,
  tryStorageCall,
  type Entity,
  type TableStorageSettings,
} from "../azure/tables.js";

const USERS = "user";
const GROUPS = "group";
const META = "meta";
const SEEDED = "seeded";
const DELTA_GENERATION = "delta-generation";
const membersOf = (groupId: string) => `members|${groupId.toLowerCase()}`;
const changesOf = (groupId: string) => `changes|${groupId.toLowerCase()}`;
/** A simulated delta link carries the member list it was issued for; only links of the current generation are accepted. */
const DELTA_LINK = /^simulation:delta:([^:]+):(\d+):([^:]*)$/;

type Author = Omit<ChangeAuthor, "at">;

/** The people and groups a new simulated directory starts with. */
export interface DirectorySeed {
  readonly groups: readonly DirectoryGroup[];
  readonly users: readonly (DirectoryUser & { readonly groupIds: readonly string[] })[];
}

export class SimulatedDirectory implements Directory, GroupChanges, DirectoryAudit, SimulatedDirectoryEditor {
  private readonly table: Table;
  private seeded: Promise<TableClient> | undefined;

  constructor(
    settings: TableStorageSettings,
    private readonly initial: DirectorySeed,
  ) {
    this.table = new Table(settings, "SimDirectory");
  }

  async getUser(oid: string): Promise<DirectoryUser | undefined> {
    const row = await readEntity(await this.client(), USERS, oid.toLowerCase());
    return row ? toUser(row) : undefined;
  }

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

  async findGroup(nameOrId: string): Promise<DirectoryGroup | undefined> {
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
    await storageCall("add user", () => client.upsertEntity(userRow(user), "Replace"));
  }

  /** Adds a user to a group (idempotent); a change is logged with its author, as Entra does. */
  addMember(groupId: string, oid: string, author: Author = SIMULATION_CHANGE_AUTHOR, at = new Date()): Promise<void> {
    return this.changeMembership({ groupId, memberId: oid.toLowerCase(), change: "added", author, at });
  }

  /** Removes a direct member from a group (idempotent); a change is logged with its author. */
  removeMember(
    groupId: string,
    oid: string,
    author: Author = SIMULATION_CHANGE_AUTHOR,
    at = new Date(),
  ): Promise<void> {
    return this.changeMembership({ groupId, memberId: oid.toLowerCase(), change: "removed", author, at });
  }

  private async changeMembership(edit: MembershipEdit): Promise<void> {
    const client = await this.client();
    const partitionKey = membersOf(edit.groupId);
    const changed =
      edit.change === "added"
        ? await tryStorageCall("add group member", () =>
            client.createEntity({ partitionKey, rowKey: edit.memberId, kind: "user" }),
          )
        : await tryStorageCall("remove group member", () => client.deleteEntity(partitionKey, edit.memberId));
    if (changed.ok) await this.logChange(client, edit); // 409: a member already; 404: not a member
  }

  private async logChange(client: TableClient, { groupId, memberId, change, author, at }: MembershipEdit) {
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
      ...this.initial.groups.map((group) => ({
        partitionKey: GROUPS,
        rowKey: group.id,
        displayName: group.displayName,
      })),
      ...this.initial.users.flatMap((user) => [
        userRow(user),
        ...user.groupIds.map((groupId) => ({ partitionKey: membersOf(groupId), rowKey: user.oid, kind: "user" })),
      ]),
      { partitionKey: META, rowKey: SEEDED },
    ];
    for (const row of rows) {
      await tryStorageCall(`seed ${row.partitionKey}/${row.rowKey}`, () => client.createEntity(row)); // 409: another process seeded it
    }
    return client;
  }
}

interface MembershipEdit {
  readonly groupId: string;
  /** Lower case, as membership edges are keyed. */
  readonly memberId: string;
  readonly change: "added" | "removed";
  readonly author: Author;
  readonly at: Date;
}

function userRow(user: DirectoryUser) {
  return {
    partitionKey: USERS,
    rowKey: user.oid.toLowerCase(),
    upn: user.upn,
    upnLower: user.upn.toLowerCase(),
    displayName: user.displayName,
    mail: user.mail ?? "",
    accountEnabled: user.accountEnabled,
  };
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
