// Simulation sign-in: tokens shaped like Entra v2 access tokens, signed by a key pair made when
// the process starts. The app validates them with the same verifier as real Entra tokens; only
// the key set differs. The private key never leaves the process.
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from "jose";
import type { DirectoryUser } from "../../ports/directory.js";
import type { DevToken, SimulatedSignIn } from "../../ports/simulation.js";

export interface DevTokenSettings {
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly audience: string;
}

export const DEV_TOKEN_LIFETIME_SECONDS = 3600;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
const KEY_ID = "breakglass-simulation";

export class DevTokenIssuer implements SimulatedSignIn {
  private constructor(
    private readonly settings: DevTokenSettings,
    private readonly privateKey: PrivateKey,
    readonly keys: JWTVerifyGetKey,
  ) {}

  static async create(settings: DevTokenSettings): Promise<DevTokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: KEY_ID, alg: "RS256", use: "sig" };
    return new DevTokenIssuer(settings, privateKey, createLocalJWKSet({ keys: [jwk] }));
  }

  async issue(
    user: Pick<DirectoryUser, "oid" | "upn" | "displayName">,
    now: Date,
    lifetimeSeconds = DEV_TOKEN_LIFETIME_SECONDS,
  ): Promise<DevToken> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const token = await new SignJWT({
      oid: user.oid,
      tid: this.settings.tenantId,
      preferred_username: user.upn,
      name: user.displayName,
      scp: "BreakGlass.Access",
      ver: "2.0",
    })
      .setProtectedHeader({ alg: "RS256", kid: KEY_ID, typ: "JWT" })
      .setIssuer(`${this.settings.authorityHost}/${this.settings.tenantId}/v2.0`)
      .setAudience(this.settings.audience)
      .setSubject(user.oid)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + lifetimeSeconds)
      .sign(this.privateKey);
    return { access_token: token, token_type: "Bearer", expires_in: lifetimeSeconds };
  }
}
