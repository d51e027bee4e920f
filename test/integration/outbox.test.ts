// The simulated channels (the outbox GET /api/dev/outbox shows): what a request with hostile text
// puts there is plain text with every invisible, bidi and control character named instead.
import { describe, expect, it } from "vitest";
import { createHarness, WEU } from "../support/harness.js";
import { INVISIBLE } from "../support/text.js";

describe("the simulated outbox", () => {
  it("holds a hostile justification and ticket as plain text, on both channels", async () => {
    const h = await createHarness();
    const created = await h.call(h.app.api.createRequest, {
      as: "alice",
      json: {
        cluster: WEU,
        justification: "**URGENT** [Approve here](https://evil.example)\r\n\u202Eesrever\u202C nul\u0000 esc\u001B[2J",
        ticket: "INC-1\u2066\u200B",
        duration: "PT30M",
      },
    });
    const { id } = created.body as { id: string };
    const rows = await h.world.outbox.list(id);
    expect(rows.map((row) => row.channel)).toEqual(["teams", "email"]);
    for (const row of rows) {
      for (const text of [row.subject, row.text, ...row.facts.flatMap((fact) => [fact.name, fact.value])])
        expect(text).not.toMatch(INVISIBLE);
      expect(row.text).toContain(
        "Justification: **URGENT** [Approve here](https://evil.example)\n[U+202E]esrever[U+202C] nul[U+0000] esc[U+001B][2J\n" +
          "Ticket: INC-1[U+2066][U+200B]\n",
      );
      expect(row.text).toContain("asks for 30 minutes of local admin access");
      expect(row.facts).toContainEqual({ name: "Ticket", value: "INC-1[U+2066][U+200B]" });
    }
  });
});
