// A fake Entra ID tenant for inbound tokens: it publishes a JWKS at
// {authority}/{tenant}/discovery/v2.0/keys and signs access tokens as Entra v2 does.
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { HttpsFake } from "./https.js";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export class FakeEntra extends HttpsFake {
  private keys: KeyPair | undefined;
  private jwks: unknown;

  constructor(readonly tenantId: string) {
    super((request) =>
      request.method === "GET" && request.path === `/${tenantId}/discovery/v2.0/keys`
        ? { status: 200, body: this.jwks }
        : { status: 404, body: { error: "not_found" } },
    );
  }

  override async start(): Promise<this> {
    this.keys = await generateKeyPair("RS256");
    this.jwks = { keys: [{ ...(await exportJWK(this.keys.publicKey)), kid: "fake-entra", alg: "RS256", use: "sig" }] };
    return super.start();
  }

  /** An access token (with a delegated scope), or with `use: "id"` the ID token App Service Authentication forwards. */
  async token(
    user: { oid: string; upn: string; displayName: string },
    audience: string,
    now = new Date(),
    use: "access" | "id" = "access",
  ): Promise<string> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const claims = {
      oid: user.oid,
      tid: this.tenantId,
      preferred_username: user.upn,
      name: user.displayName,
      ver: "2.0",
    };
    return new SignJWT(use === "access" ? { ...claims, scp: "BreakGlass.Access" } : { ...claims, nonce: "n" })
      .setProtectedHeader({ alg: "RS256", kid: "fake-entra" })
      .setIssuer(`${this.url}/${this.tenantId}/v2.0`)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(this.keys!.privateKey);
  }
}
