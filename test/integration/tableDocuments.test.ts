// TableDocuments against Azurite: documents larger than one table column.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { CHUNK_CHARS, TableDocuments } from "../../src/adapters/azure/tableDocuments.js";

interface Note {
  readonly text: string;
}

function documents() {
  return new TableDocuments<Note>(
    { connectionString: inject("azuriteConnectionString"), tablePrefix: `t${randomBytes(5).toString("hex")}` },
    { table: "Notes", row: "note", empty: { text: "" } },
  );
}

describe("TableDocuments", () => {
  it("a document over one column's size is split across columns and read back whole, characters outside ASCII included", async () => {
    const store = documents();
    // `{"text":"` is 9 characters: the fire engine (two UTF-16 units) straddles the first split.
    const text = `${"a".repeat(CHUNK_CHARS - 10)}🚒 Zoë's group — ${"b".repeat(CHUNK_CHARS)}`;
    await store.update("k", () => ({ next: { text }, result: undefined }));
    expect((await store.read("k")).state.text).toBe(text);
  });

  it("a document too large for one row is refused with a clear code, and the stored one is kept", async () => {
    const store = documents();
    await store.update("k", () => ({ next: { text: "kept" }, result: undefined }));
    await expect(store.update("k", () => ({ next: { text: "x".repeat(16 * CHUNK_CHARS) }, result: undefined }))).rejects.toMatchObject({ code: "STATE_TOO_LARGE" });
    expect((await store.read("k")).state.text).toBe("kept");
  });
});
