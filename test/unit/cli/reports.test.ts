// `breakglass readiness`, `evidence` and `audit`: routes a server may not have yet, and the audit
// commands folded in.
import { describe, expect, it } from "vitest";
import { REQUEST_ID, runAgainst, simulationRoutes } from "./fakeServer.js";

const routeMissing = () => ({ status: 404, body: { error: { code: "NOT_FOUND", message: "no function serves it" } } });
const check = (name: string, ok: boolean, message?: string) => ({ name, ok, ...(message ? { message } : {}) });

describe("breakglass readiness and evidence", () => {
  it.each([
    [["readiness"], "GET /api/readiness", "readiness"],
    [["evidence", REQUEST_ID], `GET /api/requests/${REQUEST_ID}/evidence`, "evidence"],
  ])("%j on a server without the route: 'not available on this server', exit 1", async (argv, route, what) => {
    for (const missing of [routeMissing, () => ({ status: 404, body: "" })]) {
      const run = await runAgainst({ ...simulationRoutes(), [route]: missing }, argv);
      expect(run.status).toBe(1);
      expect(run.err).toBe(`breakglass: ${what} is not available on this server\n`);
    }
  });

  it("evidence of a request the server does not know is its 404, not a missing route", async () => {
    const unknown = () => ({
      status: 404,
      body: { error: { code: "REQUEST_NOT_FOUND", message: `no request ${REQUEST_ID}` } },
    });
    const run = await runAgainst({ ...simulationRoutes(), [`GET /api/requests/${REQUEST_ID}/evidence`]: unknown }, [
      "evidence",
      REQUEST_ID,
    ]);
    expect(run.status).toBe(1);
    expect(run.err).toBe(`breakglass: no request ${REQUEST_ID}\n`);
  });

  it("readiness: a table, exit 1 when not ready and 0 when ready", async () => {
    const report = (ready: boolean) => ({
      ready,
      checkedAt: "2026-12-02T03:00:00.000Z",
      tenant: [check("approvers", true)],
      clusters: [
        {
          id: "x",
          name: "aks-prod-weu",
          ready,
          checks: [
            {
              ...check("cluster-admin-role", ready, ready ? undefined : "the emergency group lacks the role"),
              ...(ready ? {} : { fix: "az role assignment create --role 0ab0b1a8 --scope /x" }),
            },
          ],
        },
      ],
    });
    const notReady = await runAgainst(
      { ...simulationRoutes(), "GET /api/readiness": () => ({ body: report(false) }) },
      ["readiness"],
    );
    expect(notReady.status).toBe(1);
    expect(notReady.out).toMatch(/^NOT READY/);
    expect(notReady.out).toMatch(/aks-prod-weu\s+cluster-admin-role\s+NOT OK\s+the emergency group lacks the role/);
    expect(notReady.out).toContain(
      "fix aks-prod-weu cluster-admin-role:\n  az role assignment create --role 0ab0b1a8 --scope /x\n",
    );
    const ready = await runAgainst({ ...simulationRoutes(), "GET /api/readiness": () => ({ body: report(true) }) }, [
      "readiness",
    ]);
    expect(ready.status).toBe(0);
  });

  it("evidence: the calls as cluster-admin, those after the window marked", async () => {
    const evidence = {
      status: "collected",
      entries: 2,
      afterWindow: 1,
      items: [
        {
          at: "2026-12-02T03:01:00.000Z",
          verb: "delete",
          resource: "pods",
          namespace: "kube-system",
          name: "coredns-1",
          user: "masterclient",
          sourceIp: "10.0.0.4",
          status: 200,
          afterWindow: false,
        },
        {
          at: "2026-12-02T04:30:00.000Z",
          verb: "get",
          resource: "secrets",
          namespace: "default",
          name: "db",
          user: "masterclient",
          sourceIp: "203.0.113.9",
          status: 200,
          afterWindow: true,
        },
      ],
    };
    const run = await runAgainst(
      { ...simulationRoutes(), [`GET /api/requests/${REQUEST_ID}/evidence`]: () => ({ body: evidence }) },
      ["evidence", REQUEST_ID],
    );
    expect(run.status).toBe(0);
    expect(run.out).toMatch(/^evidence collected; 2 API call\(s\) as cluster-admin, 1 after the window/);
    expect(run.out).toMatch(/delete\s+kube-system\/pods\/coredns-1\s+10\.0\.0\.4\s+200\s*\n/);
    expect(run.out).toMatch(/get\s+default\/secrets\/db\s+203\.0\.113\.9\s+200\s+AFTER WINDOW/);
  });
});

describe("breakglass audit", () => {
  it("verify and export hand their options to the audit commands and exit with their status; no server is asked", async () => {
    const ran: unknown[] = [];
    const runAudit = async (command: string, options: object) => (
      ran.push([command, options]),
      command === "verify" ? 1 : 0
    );
    const verify = await runAgainst({}, ["audit", "verify", "--request", REQUEST_ID], { runAudit });
    expect(verify.status).toBe(1);
    const exported = await runAgainst(
      {},
      ["audit", "export", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "csv"],
      { runAudit },
    );
    expect(exported.status).toBe(0);
    expect(ran).toEqual([
      ["verify", { request: REQUEST_ID }],
      ["export", { from: "2026-11-01", to: "2026-12-01", format: "csv" }],
    ]);
    expect([...verify.calls, ...exported.calls]).toEqual([]);
  });

  it("export without --from is a usage error, exit 2", async () => {
    const run = await runAgainst({}, ["audit", "export", "--to", "2026-12-01"]);
    expect(run.status).toBe(2);
    expect(run.err).toMatch(/required option '--from <date>'/);
  });
});
