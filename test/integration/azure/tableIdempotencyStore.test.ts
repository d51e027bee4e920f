// The Table Storage idempotency store against a real Azurite: insert-only reservations, writes
// conditional on the version read, and keys of any allowed characters kept apart per requester.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { TableIdempotencyStore } from "../../../src/adapters/azure/tableIdempotencyStore.js";
import { USERS } from "../../support/harness.js";

const store = () =>
  new TableIdempotencyStore({
    connectionString: inject("azuriteConnectionString"),
    tablePrefix: `t${randomBytes(5).toString("hex")}`,
  });

const ALICE = USERS.alice.oid;
const RESERVATION = { requestId: "bg-01m8gshv80v200jgzv74xjm1zr", reservedAt: "2026-11-28T10:00:00.000Z" };

describe("Table Storage idempotency store", () => {
  it("reserves a key once, and replaces or releases it only at the version read", async () => {
    const keys = store();
    const reserved = await keys.reserve(ALICE, "k", RESERVATION);
    if (reserved.kind !== "reserved") throw new Error("not reserved");
    expect(await keys.reserve(ALICE, "k", { ...RESERVATION, requestId: "bg-other" })).toEqual({ kind: "exists" });
    expect(await keys.read(ALICE, "k")).toEqual({ ...RESERVATION, version: reserved.version });

    const completed = await keys.replace(ALICE, "k", { ...RESERVATION, answer: '{"id":"x"}' }, reserved.version);
    if (completed.kind !== "replaced") throw new Error("not replaced");
    expect(await keys.replace(ALICE, "k", RESERVATION, reserved.version)).toEqual({ kind: "changed" });
    await keys.release(ALICE, "k", reserved.version); // stale: left alone
    expect(await keys.read(ALICE, "k")).toMatchObject({ answer: '{"id":"x"}', version: completed.version });

    await keys.release(ALICE, "k", completed.version);
    expect(await keys.read(ALICE, "k")).toBeUndefined();
    await keys.release(ALICE, "k", completed.version); // already gone: nothing to do
    expect(await keys.replace(ALICE, "k", RESERVATION, completed.version)).toEqual({ kind: "changed" });
  });

  it("keeps keys apart by requester and by every character, those row keys refuse included", async () => {
    const keys = store();
    const awkward = ["a/b", "a\\b", "a#b", "a?b", "A/B", "~".repeat(128)];
    for (const key of awkward) expect((await keys.reserve(ALICE, key, RESERVATION)).kind).toBe("reserved");
    expect((await keys.reserve(USERS.carol.oid, "a/b", RESERVATION)).kind).toBe("reserved");
    expect((await keys.reserve(ALICE.toUpperCase(), "a/b", RESERVATION)).kind).toBe("exists");
    expect(await keys.read(USERS.bob.oid, "a/b")).toBeUndefined();
  });
});
