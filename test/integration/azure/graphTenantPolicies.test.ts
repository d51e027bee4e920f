// TenantPolicies on Entra: the roles claim of the app's own Graph token (as the fake Graph's
// credential issues it) and the Conditional Access policies through the real Graph client, paged.
import { ManagedIdentityCredential } from "@azure/identity";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { GraphApi } from "../../../src/adapters/azure/graph.js";
import { GraphTenantPolicies } from "../../../src/adapters/azure/graphTenantPolicies.js";
import { TransientError } from "../../../src/ports/errors.js";
import { AKS_APPLICATION_ID, AZURE_GROUPS } from "../../support/azureWorld.js";
import { FakeManagedIdentity } from "../../support/fakes/fakeManagedIdentity.js";
import { FakeGraph, GRANTED_APP_ROLES, type FakeConditionalAccessPolicy } from "../../support/fakes/fakeGraph.js";
import { appTokenClaims, fakeCredential } from "../../support/fakes/https.js";

const EMERGENCY = AZURE_GROUPS.emergency;
let graph: FakeGraph;
let policies: GraphTenantPolicies;

const MFA_FOR_AKS: FakeConditionalAccessPolicy = {
  id: "ca000000-0000-4000-8000-000000000001",
  displayName: "Require MFA for AKS",
  state: "enabled",
  includeApplications: [AKS_APPLICATION_ID],
  excludeGroups: [EMERGENCY],
};
const COMPLIANT_DEVICE: FakeConditionalAccessPolicy = {
  id: "ca000000-0000-4000-8000-000000000002",
  displayName: "Compliant device for all apps",
  state: "enabledForReportingButNotEnforced",
  includeApplications: ["All"],
  excludeGroups: [],
};
const LEGACY: FakeConditionalAccessPolicy = {
  id: "ca000000-0000-4000-8000-000000000003",
  displayName: "Block legacy authentication",
  state: "disabled",
  includeApplications: ["All"],
  excludeGroups: [],
};

beforeAll(async () => {
  graph = await new FakeGraph().start();
});
afterAll(() => graph.stop());
beforeEach(() => {
  graph.requests.length = 0;
  graph.pageSize = 2;
  graph.appRoles.clear();
  for (const role of GRANTED_APP_ROLES) graph.appRoles.add(role);
  graph.conditionalAccessPolicies.splice(
    0,
    Infinity,
    ...[MFA_FOR_AKS, COMPLIANT_DEVICE, LEGACY].map((policy) => structuredClone(policy)),
  );
  const credential = graph.credential();
  policies = new GraphTenantPolicies(
    credential,
    graph.url,
    new GraphApi(credential, { endpoint: graph.url, maxRetries: 0 }),
  );
});

describe("Graph tenant policies", () => {
  it("reads the application roles from the app's own Graph token", async () => {
    expect([...(await policies.appRoles())].sort()).toEqual([...GRANTED_APP_ROLES].sort());
    graph.appRoles.delete("Mail.Send");
    expect(await policies.appRoles()).not.toContain("Mail.Send");
    expect(graph.requests).toEqual([]); // the token is read, Graph is not asked
  });

  it("reads the roles of the token App Service's managed identity endpoint issues, which Graph accepts", async () => {
    const identity = await new FakeManagedIdentity("7e4a0000-0000-4000-8000-000000000000").start();
    onTestFinished(() => identity.stop());
    identity.appRoles.delete("Policy.Read.All");
    // ManagedIdentityCredential reads the endpoint from the process's environment, as on App Service.
    vi.stubEnv("IDENTITY_ENDPOINT", identity.env.IDENTITY_ENDPOINT);
    vi.stubEnv("IDENTITY_HEADER", identity.env.IDENTITY_HEADER);
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    const credential = new ManagedIdentityCredential();
    const hosted = new GraphTenantPolicies(credential, graph.url, new GraphApi(credential, { endpoint: graph.url }));
    expect([...(await hosted.appRoles())].sort()).toEqual(
      GRANTED_APP_ROLES.filter((role) => role !== "Policy.Read.All").sort(),
    );
    expect(await hosted.conditionalAccessPolicies()).toMatchObject({ kind: "forbidden" });
    expect(identity.issuedFor()).toEqual([graph.url]);
  });

  it("reads no roles from a token without the claim, and refuses a token that is no JWT", async () => {
    graph.appRoles.clear();
    expect(await policies.appRoles()).toEqual([]);
    const opaque = new GraphTenantPolicies(
      fakeCredential,
      graph.url,
      new GraphApi(fakeCredential, { endpoint: graph.url }),
    );
    await expect(opaque.appRoles()).rejects.toMatchObject({ code: "GRAPH_TOKEN" });
  });

  it("reads every Conditional Access policy, across pages, with the app token", async () => {
    expect(await policies.conditionalAccessPolicies()).toEqual({
      kind: "read",
      value: [MFA_FOR_AKS, COMPLIANT_DEVICE, LEGACY],
    });
    const asked = graph.received("GET", "/v1.0/identity/conditionalAccess/policies");
    expect(asked).toHaveLength(2);
    expect(asked[1]!.query.get("$skiptoken")).toBe("2");
    expect(appTokenClaims(asked[0]!.headers.authorization)).toMatchObject({ aud: graph.url });
  });

  it("a policy that stops excluding the emergency group changes only that policy", async () => {
    graph.conditionalAccessPolicies[0]!.excludeGroups = [];
    expect(await policies.conditionalAccessPolicies()).toEqual({
      kind: "read",
      value: [{ ...MFA_FOR_AKS, excludeGroups: [] }, COMPLIANT_DEVICE, LEGACY],
    });
  });

  it("without Policy.Read.All the policies are forbidden, saying so", async () => {
    graph.appRoles.delete("Policy.Read.All");
    expect(await policies.conditionalAccessPolicies()).toEqual({
      kind: "forbidden",
      message: expect.stringContaining("Policy.Read.All is not granted"),
    });
  });

  it.each([429, 500, 503])("a %d is thrown as a TransientError", async (status) => {
    graph.inject({
      path: "/conditionalAccess/policies",
      response: { status, body: { error: { code: "Busy", message: "try later" } } },
    });
    const failure = await policies.conditionalAccessPolicies().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({ code: `GRAPH_${status}` });
  });
});
