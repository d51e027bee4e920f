// Windows opened the way a requester and an approver open them over the API, and what became of them.
import { expect } from "vitest";
import { WEU, type Harness, type UserName } from "./harness.js";

/** Requests a window and has someone else approve it; the id of the request. */
export async function openWindow(h: Harness, as: UserName, duration = "PT15M", cluster: string = WEU): Promise<string> {
  const created = await h.call(h.app.api.createRequest, {
    as,
    json: { cluster, justification: "Entra outage", ticket: "INC-9", duration },
  });
  expect(created.status).toBe(202);
  const { id } = created.body as { id: string };
  expect(
    (await h.call(h.app.api.approveRequest, { as: as === "bob" ? "carol" : "bob", params: { id }, method: "POST" }))
      .status,
  ).toBe(202);
  return id;
}

export async function requestStatus(h: Harness, id: string) {
  return (await h.app.requests.get(id))!.status;
}

/** The kinds of the notifications the outbox holds, of one request or all. */
export async function outboxKinds(h: Harness, id?: string) {
  return (await h.world.outbox.list(id)).map((message) => message.kind);
}
