// POST /api/graph/notifications takes bodies up to the API's 16 KiB, like every other route
// (docs/design.md §4): anyone can reach it, so it is no door for bigger ones.
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/http/body.js";
import { createHarness, type Harness } from "../support/harness.js";

const CLIENT_STATE = "a-client-state-of-sufficient-length";

/** A genuine notification padded with an ignored field to exactly `bytes` bytes of JSON. */
function notificationOf(bytes: number): string {
  const body = (padding: string) =>
    JSON.stringify({ value: [{ subscriptionId: "sub-1", clientState: CLIENT_STATE, padding }] });
  return body("x".repeat(bytes - body("").length));
}

const post = (h: Harness, body: string) =>
  h.call(h.app.graphNotifications, { method: "POST", body, headers: { "content-type": "application/json" } });

describe("Graph notifications' size limit", () => {
  it("accepts a notification of 16 KiB and refuses one byte more, or 20 KiB, with a 413", async () => {
    const h = await createHarness({ env: { BREAKGLASS_GRAPH_CLIENT_STATE: CLIENT_STATE } });
    for (const bytes of [MAX_BODY_BYTES + 1, 20 * 1024]) {
      const reply = await post(h, notificationOf(bytes));
      expect(reply).toMatchObject({ status: 413, body: { error: { code: "PAYLOAD_TOO_LARGE" } } });
    }
    expect(h.engine.instanceIds()).toEqual([]);
    expect((await post(h, notificationOf(MAX_BODY_BYTES))).status).toBe(202);
    expect(h.engine.instanceIds()).toEqual([expect.stringMatching(/^group-sync-/)]);
  });
});
