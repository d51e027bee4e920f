// Two finders of late actions on one closed trail (the API and the sweep, or two API calls) append
// one after the other but may record the trail's end in either order: the record never ends up
// behind the trail.
import { describe, expect, it } from "vitest";
import { recordLateAction } from "../../../src/actions/lateActions.js";
import type { ActionReceipt } from "../../../src/domain/actions.js";
import { type AuditEntry, type AuditHead } from "../../../src/domain/audit.js";
import { requestAuditEntry, streamGenesis } from "../../../src/domain/auditChain.js";
import type { EmergencyRequest } from "../../../src/domain/request.js";
import type { AuditIndex, IndexEntry } from "../../../src/ports/auditIndex.js";
import type { AppendResult, AuditLog, SealedHead } from "../../../src/ports/auditLog.js";
import { CLUSTER_ID, person } from "../../support/domain.js";

const REQUEST = "bg-01m8gshv80v200jgzv74xjm1zr";

/** A closed trail of two entries, its head and its recorded end sealed, in memory. */
function closedTrail() {
  const entries: AuditEntry[] = [];
  for (const type of ["requested", "denied"] as const) {
    const previous = entries.at(-1)?.hash ?? streamGenesis(REQUEST);
    entries.push(
      requestAuditEntry(REQUEST, entries.length, previous, {
        type,
        at: "2026-12-01T10:00:00.000Z",
        actor: null,
        cluster: CLUSTER_ID,
        outcome: "info",
      }),
    );
  }
  const head = (): SealedHead => ({ entries: entries.length, hash: entries.at(-1)!.hash, sealed: true });
  const index = { closedHead: head() as SealedHead | undefined };
  const audit: AuditLog = {
    append: async (entry): Promise<AppendResult> => {
      const stored = entries[entry.sequence!];
      if (stored) return stored.hash === entry.hash ? { kind: "duplicate" } : { kind: "conflict", existing: stored };
      entries.push(entry);
      return { kind: "appended" };
    },
    readStream: async () => [...entries],
    readHead: async () => head(),
  };
  return { entries, audit, index };
}

const receipt = (id: string, oid: string): ActionReceipt => ({
  id,
  requestId: REQUEST,
  type: "approve",
  actor: person(oid),
  at: "2026-12-01T10:01:00.000Z",
});

const request = { status: "denied", cluster: { id: CLUSTER_ID } } as EmergencyRequest;

describe("late actions on a closed trail", () => {
  it("record the trail's end where the trail ends, whichever finder writes its record last", async () => {
    const { entries, audit, index } = closedTrail();
    let releaseFirst!: () => void;
    const secondRecorded = new Promise<void>((resolve) => (releaseFirst = resolve));
    const auditIndex: Pick<AuditIndex, "get" | "recordClosedHead"> = {
      get: async () => ({ closedHead: index.closedHead }) as IndexEntry,
      recordClosedHead: async (_id, head: AuditHead) => {
        // The first finder's write is slow: it lands after the second finder's, with an older end.
        if (head.entries === 3) await secondRecorded;
        index.closedHead = { ...head, sealed: true };
        if (head.entries === 4) releaseFirst();
      },
    };
    const deps = { audit, auditIndex, now: () => new Date("2026-12-01T10:02:00.000Z") };
    await Promise.all([
      recordLateAction(deps, receipt("act-000000000000000a", "carol"), request),
      recordLateAction(deps, receipt("act-000000000000000b", "dave"), request),
    ]);
    expect(entries.map((entry) => entry.details?.actionId ?? entry.type)).toEqual([
      "requested",
      "denied",
      "act-000000000000000a",
      "act-000000000000000b",
    ]);
    expect(index.closedHead).toMatchObject({ entries: 4, hash: entries[3]!.hash });
  });
});
