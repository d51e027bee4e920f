// The managed identity endpoint App Service and Functions give an app (IDENTITY_ENDPOINT with the
// secret IDENTITY_HEADER), as @azure/identity's ManagedIdentityCredential calls it. For storage it
// issues a JWT shaped as Entra issues one (audience https://storage.azure.com, an sts.windows.net
// issuer, a lifetime), which Azurite's `--oauth basic` accepts; for any other resource an app token
// for it carrying the application roles consented for the app (`roles`, read by readiness and by
// the fake Graph), which the fakes of ARM and Graph accept, so one credential serves the app.
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { GRANTED_APP_ROLES } from "./fakeGraph.js";
import { appToken, HttpsFake, type FakeRequest, type FakeResponse } from "./https.js";

export const STORAGE_RESOURCE = "https://storage.azure.com";

export class FakeManagedIdentity extends HttpsFake {
  readonly secret = randomBytes(16).toString("hex");
  private readonly signingKey = randomBytes(32);
  /** The application roles consented for the identity: what its app tokens carry. */
  readonly appRoles = new Set<string>(GRANTED_APP_ROLES);

  constructor(
    readonly tenantId: string,
    /** The identity's object id, the subject of its tokens. */
    readonly principalId = "0b1ec700-0000-4000-8000-000000000001",
  ) {
    super((request) => this.issue(request));
  }

  /** The environment App Service gives an app with a managed identity. */
  get env(): Record<string, string> {
    return { IDENTITY_ENDPOINT: `${this.url}/msi/token`, IDENTITY_HEADER: this.secret };
  }

  /** The resources tokens were issued for, in order. */
  issuedFor(): string[] {
    return this.received("GET", "/msi/token").map((request) => request.query.get("resource") ?? "");
  }

  private async issue(request: FakeRequest): Promise<FakeResponse> {
    if (request.method !== "GET" || request.path !== "/msi/token") return { status: 404, body: { error: "not_found" } };
    if (request.headers["x-identity-header"] !== this.secret)
      return { status: 401, body: { error: "invalid_request", error_description: "X-IDENTITY-HEADER is wrong" } };
    const resource = request.query.get("resource");
    if (request.query.get("api-version") !== "2019-08-01" || !resource)
      return { status: 400, body: { error: "invalid_request", error_description: "api-version and resource" } };
    const now = Math.floor(Date.now() / 1000);
    const expiresOn = now + 3600;
    const clientId = request.query.get("client_id") ?? undefined;
    const token =
      resource.replace(/\/+$/, "") === STORAGE_RESOURCE
        ? await new SignJWT({ oid: this.principalId, tid: this.tenantId, ...(clientId ? { appid: clientId } : {}) })
            .setProtectedHeader({ alg: "HS256", typ: "JWT" })
            .setIssuer(`https://sts.windows.net/${this.tenantId}/`)
            .setAudience(resource)
            .setSubject(this.principalId)
            .setIssuedAt(now)
            .setNotBefore(now - 60)
            .setExpirationTime(expiresOn)
            .sign(this.signingKey)
        : appToken(resource.replace(/\/+$/, ""), [...this.appRoles]);
    return {
      status: 200,
      body: { access_token: token, expires_on: String(expiresOn), resource, token_type: "Bearer", client_id: clientId },
    };
  }
}
