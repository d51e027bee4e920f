// Evidence end to end over HTTP, in real time: during a window alice deletes pods in kube-system
// twice and reads a secret with her admin kubeconfig (the simulation's kubectl route); after the
// close the workflow finds the three calls in the simulated kube-audit log, past its ingestion
// delay, and the trail, GET …/evidence, the closing message and `breakglass evidence` show them.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { eventually, freePort, ROOT } from "../support/processes.js";
import { CLUSTER, hostOn, ownAzurite, requestStatus } from "./offlineHosts.js";

vi.setConfig({ testTimeout: 90_000 });

const KUBECTL = "/api/dev/clusters/aks-prod-weu/kubectl";

describe("evidence end to end over HTTP", () => {
  it("three calls as cluster-admin during a window: in the trail, GET …/evidence, the closing message and the CLI", async () => {
    const { api: client } = await hostOn(await ownAzurite(), "evidence", await freePort(), {
      BREAKGLASS_EVIDENCE: "on",
      BREAKGLASS_ROTATE_CERTIFICATES: "never",
    });
    const [alice, bob] = await Promise.all(["alice@contoso.dev", "bob@contoso.dev"].map((user) => client.token(user)));
    const created = await client.call("POST", "/api/requests", {
      token: alice,
      json: { cluster: CLUSTER, justification: "coredns is wedged", ticket: "INC-17", duration: "PT2M" },
    });
    const { id } = created.body as { id: string };
    expect((await client.call("POST", `/api/requests/${id}/approve`, { token: bob })).status).toBe(202);
    await eventually(async () => expect(await requestStatus(client, bob!, id)).toBe("open"));
    expect(
      (await client.call("POST", "/api/dev/clusters/aks-prod-weu/admin-credentials", { token: alice })).status,
    ).toBe(200);
    for (const json of [
      { verb: "delete", resource: "pods", namespace: "kube-system", name: "coredns-1" },
      { verb: "delete", resource: "pods", namespace: "kube-system", name: "coredns-2" },
      { verb: "get", resource: "secrets", namespace: "kube-system", name: "bootstrap-token" },
    ])
      expect((await client.call("POST", KUBECTL, { token: alice, json })).status).toBe(200);
    expect((await client.call("POST", `/api/requests/${id}/close`, { token: alice })).status).toBe(202);

    // Closed at once; the evidence follows once the log has the rows.
    await eventually(async () => expect(await requestStatus(client, bob!, id)).toBe("closed"));
    const evidence = async () => (await client.call("GET", `/api/requests/${id}/evidence`, { token: alice })).body;
    type Evidence = { status: string; entries: number; afterWindow: number; items: Item[] };
    type Item = { verb: string; resource: string; afterWindow: boolean };
    const collected = await eventually(async () => {
      const body = (await evidence()) as Evidence;
      expect(body.status).toBe("collected");
      return body;
    });
    expect(collected).toMatchObject({ entries: 3, afterWindow: 0 });
    expect(collected.items.map((item) => `${item.verb} ${item.resource} ${item.afterWindow}`)).toEqual([
      "delete pods false",
      "delete pods false",
      "get secrets false",
    ]);

    const trail = (await client.call("GET", `/api/audit?requestId=${id}`, { token: bob })).body as {
      entries: { type: string; details?: Record<string, unknown> }[];
    };
    const entry = trail.entries.find((candidate) => candidate.type === "evidence-collected")!;
    expect(entry.details).toMatchObject({ entries: 3, settled: true, omitted: 0 });
    expect(JSON.parse(String(entry.details!.counts))).toEqual([
      { verb: "delete", resource: "pods", namespace: "kube-system", count: 2 },
      { verb: "get", resource: "secrets", namespace: "kube-system", count: 1 },
    ]);
    await eventually(async () =>
      expect(
        ((await client.call("GET", `/api/audit/verify?requestId=${id}`, { token: bob })).body as { ok: boolean }).ok,
      ).toBe(true),
    );

    const outbox = (await client.call("GET", `/api/dev/outbox?requestId=${id}`)).body as {
      kind: string;
      facts: { name: string; value: string }[];
    }[];
    expect(outbox.find((message) => message.kind === "closed")?.facts).toContainEqual({
      name: "Evidence",
      value: "3 API calls as cluster-admin: 2 deletes of pods in kube-system, 1 get of secrets in kube-system",
    });

    const cli = await promisify(execFile)(
      process.execPath,
      ["bin/breakglass.js", "--user", "alice@contoso.dev", "evidence", id],
      {
        cwd: ROOT,
        env: { ...process.env, BREAKGLASS_URL: client.base, TZ: "UTC" },
      },
    );
    expect(cli.stdout).toMatch(/^evidence collected; 3 API call\(s\) as cluster-admin, 0 after the window\n/);
    expect(cli.stdout).toMatch(/delete\s+kube-system\/pods\/coredns-1\s+\S+\s+200/);
    expect(cli.stdout).toMatch(/get\s+kube-system\/secrets\/bootstrap-token\s+\S+\s+200/);
  });
});
