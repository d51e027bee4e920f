// TableDocuments against Azurite: documents larger than one table column.
import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import { CHUNK_CHARS, TableDocuments } from "../../../src/adapters/azure/tableDocuments.js";

interface Note {
  readonly text: string;
}

function documents() {
  const settings = {
    connectionString: inject("azuriteConnectionString"),
    tablePrefix: `t${randomBytes(5).toString("hex")}`,
  };
  const table = TableClient.fromConnectionString(settings.connectionString, `${settings.tablePrefix}Notes`, {
    allowInsecureConnection: true,
  });
  return { store: new TableDocuments<Note>(settings, { table: "Notes", row: "note", empty: { text: "" } }), table };
}

/** Half of a UTF-16 pair without its other half: not text the service is bound to keep. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe("TableDocuments", () => {
  it("a document over one column's size is split across columns (never inside a character) and read back whole", async () => {
    const { store, table } = documents();
    // `{"text":"` is 9 characters: the fire engine (two UTF-16 units) would straddle the first split.
    const text = `${"a".repeat(CHUNK_CHARS - 10)}🚒 Zoë's group — ${"b".repeat(CHUNK_CHARS)}`;
    await store.update("k", () => ({ next: { text }, result: undefined }));
    expect((await store.read("k")).state.text).toBe(text);
    const columns = Object.entries(await table.getEntity<Record<string, unknown>>("k", "note")).filter(([name]) =>
      name.startsWith("data"),
    );
    expect(columns.map(([name]) => name)).toEqual(["data", "data1", "data2"]);
    for (const [, value] of columns) expect(LONE_SURROGATE.test(String(value))).toBe(false);
  });

  it("a document too large for one row is refused with a clear code, and the stored one is kept", async () => {
    const { store } = documents();
    await store.update("k", () => ({ next: { text: "kept" }, result: undefined }));
    await expect(
      store.update("k", () => ({ next: { text: "x".repeat(16 * CHUNK_CHARS) }, result: undefined })),
    ).rejects.toMatchObject({ code: "STATE_TOO_LARGE" });
    expect((await store.read("k")).state.text).toBe("kept");
  });
});
