// TenantPolicies on Entra, for readiness (docs/design.md §10): the Graph application roles the
// app's own token carries, and the tenant's Conditional Access policies (which need Policy.Read.All;
// without it readiness reports the check unreadable rather than failed).
import type { TokenCredential } from "@azure/core-auth";
import { decodeJwt } from "jose";
import { TransientError } from "../../ports/errors.js";
import type { ConditionalAccessPolicyFact, Readable, TenantPolicies } from "../../ports/readinessFacts.js";
import { scopeOf } from "./credentials.js";
import { asTransient, GraphFailure, type GraphApi } from "./graph.js";

interface GraphConditionalAccessPolicy {
  id: string;
  displayName?: string | null;
  state: ConditionalAccessPolicyFact["state"];
  conditions?: {
    applications?: { includeApplications?: string[] | null } | null;
    users?: { excludeGroups?: string[] | null } | null;
  } | null;
}

export class GraphTenantPolicies implements TenantPolicies {
  constructor(
    private readonly credential: TokenCredential,
    /** The Graph endpoint the app's token is asked for (GRAPH_ENDPOINT). */
    private readonly graphEndpoint: string,
    private readonly graph: GraphApi,
  ) {}

  async appRoles(): Promise<readonly string[]> {
    const scope = scopeOf(this.graphEndpoint);
    const token = await this.credential.getToken(scope);
    if (!token) throw new TransientError("GRAPH_TOKEN", `no token for ${scope}`);
    // Our own token, read for its claim only: Graph verifies it, and nothing is granted on what it says here.
    let roles: unknown;
    try {
      roles = decodeJwt(token.token).roles;
    } catch (error) {
      throw new TransientError("GRAPH_TOKEN", `the token for ${scope} is not a JWT`, undefined, { cause: error });
    }
    return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === "string") : [];
  }

  async conditionalAccessPolicies(): Promise<Readable<readonly ConditionalAccessPolicyFact[]>> {
    try {
      const policies = await this.graph.getAll<GraphConditionalAccessPolicy>("/identity/conditionalAccess/policies");
      return {
        kind: "read",
        value: policies.map((policy) => ({
          id: policy.id,
          displayName: policy.displayName ?? policy.id,
          state: policy.state,
          includeApplications: policy.conditions?.applications?.includeApplications ?? [],
          excludeGroups: policy.conditions?.users?.excludeGroups ?? [],
        })),
      };
    } catch (error) {
      if (error instanceof GraphFailure && (error.status === 401 || error.status === 403)) {
        return {
          kind: "forbidden",
          message: `Policy.Read.All is not granted to the app's identity, so its Conditional Access policies cannot be read (${error.code})`,
        };
      }
      return asTransient(error, "read the Conditional Access policies");
    }
  }
}
