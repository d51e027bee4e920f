// The Activity Log reader: the real Monitor client against the fake ARM's management events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmActivityLog } from "../../../src/adapters/azure/armActivityLog.js";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import { ADMIN_CREDENTIAL_OPERATION } from "../../../src/ports/activityLog.js";
import { FakeArm } from "../../support/fakes/fakeArm.js";
import { bearerFor, fakeCredential } from "../../support/fakes/https.js";

const ID =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-a";
const OTHER = ID.replace("aks-a", "aks-b");
let arm: FakeArm;

beforeAll(async () => {
  arm = await new FakeArm().start();
  const event = (resourceId: string, at: string, operation = ADMIN_CREDENTIAL_OPERATION, status = "Succeeded") => ({
    resourceId,
    at,
    operation,
    status,
    caller: "alice@contoso.com",
  });
  arm.activity.push(
    event(ID, "2026-11-28T09:59:00.000Z"), // before the window
    event(ID, "2026-11-28T10:05:00.000Z", ADMIN_CREDENTIAL_OPERATION, "Started"),
    event(ID, "2026-11-28T10:05:01.000Z"),
    event(ID, "2026-11-28T10:07:00.000Z", "Microsoft.ContainerService/managedClusters/write"),
    event(ID, "2026-11-28T10:20:00.000Z"),
    event(OTHER, "2026-11-28T10:10:00.000Z"),
  );
});
afterAll(() => arm.stop());

describe("Activity Log reader", () => {
  it("finds the successful admin-credential fetches of one cluster in a period, across pages", async () => {
    const reader = new ArmActivityLog(fakeCredential, arm.url, 0);
    const fetches = await reader.adminCredentialFetches(
      parseManagedClusterId(ID)!,
      new Date("2026-11-28T10:00:00Z"),
      new Date("2026-11-28T11:00:00Z"),
    );
    expect(fetches).toEqual([
      { at: "2026-11-28T10:05:01.000Z", caller: "alice@contoso.com" },
      { at: "2026-11-28T10:20:00.000Z", caller: "alice@contoso.com" },
    ]);
    const [first, ...rest] = arm.received("GET", /eventtypes\/management\/values$/);
    expect(first!.headers.authorization).toBe(bearerFor(arm));
    expect(first!.query.get("$filter")).toBe(
      `eventTimestamp ge '2026-11-28T10:00:00.000Z' and eventTimestamp le '2026-11-28T11:00:00.000Z' and resourceUri eq '${ID}'`,
    );
    expect(rest.length).toBeGreaterThan(0); // followed nextLink
  });

  it("answers none when nothing was fetched", async () => {
    const reader = new ArmActivityLog(fakeCredential, arm.url, 0);
    expect(
      await reader.adminCredentialFetches(
        parseManagedClusterId(ID)!,
        new Date("2026-11-28T12:00:00Z"),
        new Date("2026-11-28T13:00:00Z"),
      ),
    ).toEqual([]);
  });

  it("throws a transient error when the log cannot be read", async () => {
    arm.inject({
      path: /eventtypes/,
      response: {
        status: 503,
        headers: { "Retry-After": "4" },
        body: { error: { code: "ServiceUnavailable", message: "later" } },
      },
    });
    const reader = new ArmActivityLog(fakeCredential, arm.url, 0);
    await expect(
      reader.adminCredentialFetches(
        parseManagedClusterId(ID)!,
        new Date("2026-11-28T10:00:00Z"),
        new Date("2026-11-28T11:00:00Z"),
      ),
    ).rejects.toMatchObject({
      code: "ACTIVITY_LOG_503",
      retryAfterMs: 4_000,
    });
  });
});
