// Activities on their own, against the simulated world in Azurite: the parts of their
// behaviour that the workflow scenarios cannot reach.
import { describe, expect, it } from "vitest";
import type { Directory } from "../../src/ports/directory.js";
import { createActivityHandlers } from "../../src/workflow/activities.js";
import { createHarness, T0, USERS } from "../support/harness.js";

describe("sendNotification", () => {
  it("still posts to the channel when the directory cannot say who to mail", async () => {
    const h = await createHarness();
    const down: Directory = {
      getUser: () => Promise.reject(new Error("Graph 503")),
      checkMemberGroups: () => Promise.reject(new Error("Graph 503")),
      listTransitiveUsers: () => Promise.reject(new Error("Graph 503")),
      getGroup: () => Promise.reject(new Error("Graph 503")),
    };
    const activities = createActivityHandlers({
      ...h.app,
      directory: down,
      notifier: h.world.outbox,
      groups: { emergencyGroupId: h.config.emergencyGroupId, approverGroupId: h.config.approverGroupId },
      publicBaseUrl: h.config.publicBaseUrl,
      rotateCertificates: "never",
      alertEmails: [],
      reviewUrl: async (id) => `${h.config.publicBaseUrl}/api/requests/${id}/review?token=t`,
      kubeAudit: h.world.kubeAudit,
      clusterAuthorization: { diagnosticSettings: async () => ({ kind: "read", value: [] }) },
      credentialWatch: { watch: async () => undefined },
    });
    const request = {
      id: "bg-01m8gshv80v200jgzv74xjm1zr",
      cluster: h.cluster(),
      requester: { oid: USERS.alice.oid, upn: USERS.alice.upn, displayName: USERS.alice.displayName },
      justification: "outage",
      ticket: "INC-1",
      duration: "PT1H",
      durationMs: 3_600_000,
      maxDurationMs: 4 * 3_600_000,
      requestedAt: T0.toISOString(),
      approvalDeadline: T0.toISOString(),
      requiredApprovals: 1,
    };
    const result = await activities.sendNotification({ event: "approval-requested", request, at: T0.toISOString() });
    expect(result.deliveries).toEqual([
      { channel: "teams", ok: true },
      { channel: "email", ok: false, error: expect.stringContaining("Graph 503") },
    ]);
    expect((await h.world.outbox.list()).map((message) => message.channel)).toEqual(["teams"]);
  });
});
