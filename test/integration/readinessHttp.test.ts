// GET /api/readiness: approvers see the report in the README's API shape; anyone else is refused (403)
// and the refusal audited. The app's wiring is the lead's: the handler is built here from the
// app's own access rules and an in-memory readiness monitor.
import { beforeAll, describe, expect, it } from "vitest";
import { ApiAccess, type ApiDependencies } from "../../src/http/apiAccess.js";
import { Decisions } from "../../src/http/decisions.js";
import { endpoint } from "../../src/http/handler.js";
import { readinessHandler } from "../../src/http/readiness.js";
import type { HttpHandler } from "../../src/http/handler.js";
import { createHarness, T0, type Harness } from "../support/harness.js";
import { NEU, ReadinessWorld, SECRET } from "../support/readinessWorld.js";

describe("GET /api/readiness", () => {
  let h: Harness;
  let handler: HttpHandler;
  beforeAll(async () => {
    h = await createHarness();
    const groups = { emergencyGroupId: h.config.emergencyGroupId, approverGroupId: h.config.approverGroupId };
    const now = () => h.clock.date();
    const randomBytes = (size: number) => new Uint8Array(size).fill(1);
    // ApiAccess asks only these of its dependencies for approverOnly.
    const access = new ApiAccess({
      verifyToken: h.app.verifyToken,
      directory: h.app.directory,
      groups,
      decisions: new Decisions({ ...h.app, groups, now, randomBytes }),
    } as unknown as ApiDependencies);
    const world = new ReadinessWorld();
    world.edit(NEU, { roles: { kind: "forbidden", message: `denied ${SECRET}` } });
    handler = endpoint(
      readinessHandler({
        readiness: world.monitor(now),
        approverOnly: (request, context, action) => access.approverOnly(request, context, action),
      }),
    );
  });

  it("answers an approver with the report: ready, checkedAt, tenant checks, clusters with theirs", async () => {
    const reply = await h.call(handler, { as: "bob" });
    expect(reply.status).toBe(200);
    const body = reply.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["checkedAt", "clusters", "ready", "tenant"]);
    expect(body).toMatchObject({
      ready: false,
      checkedAt: T0.toISOString(),
      tenant: expect.arrayContaining([{ name: "approvers", ok: true }]),
      clusters: [
        { id: expect.stringContaining("aks-prod-weu"), name: "aks-prod-weu", ready: true },
        {
          id: NEU.id,
          name: "aks-prod-neu",
          ready: false,
          checks: expect.arrayContaining([
            { name: "emergency-admin-role", ok: false, code: "CHECK_FORBIDDEN", message: expect.any(String) },
          ]),
        },
      ],
    });
    for (const check of [
      ...(body.tenant as object[]),
      ...(body.clusters as { checks: object[] }[]).flatMap((c) => c.checks),
    ])
      expect(Object.keys(check).every((key) => ["name", "ok", "code", "message", "fix"].includes(key))).toBe(true);
    const text = JSON.stringify(body);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(h.config.linkSigningKey);
  });

  it.each(["alice", "mallory"] as const)("refuses %s (not an approver) with 403, audited", async (user) => {
    const reply = await h.call(handler, { as: user });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ error: { code: "NOT_APPROVER", message: expect.any(String) } });
    const security = await h.app.audit.readStream(`security-${h.clock.date().toISOString().slice(0, 10)}`);
    expect(security.at(-1)).toMatchObject({
      type: "access-refused",
      code: "NOT_APPROVER",
      details: { action: "read-readiness" },
    });
  });

  it("refuses a caller without a token (401)", async () => {
    expect((await h.call(handler)).status).toBe(401);
  });
});
