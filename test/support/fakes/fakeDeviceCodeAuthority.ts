// An Entra authority for a public client's device code flow, as MSAL (under @azure/identity's
// DeviceCodeCredential) calls it: the tenant's OpenID configuration, /devicecode, and /token, which
// answers authorization_pending `pendingPolls` times for each device code (the person has not typed the
// code yet), then a token.
import { HttpsFake, type FakeRequest, type FakeResponse } from "./https.js";

export const USER_CODE = "FAKE-CODE-42";

export class FakeDeviceCodeAuthority extends HttpsFake {
  readonly accessToken = `device-code-token-${Math.random().toString(36).slice(2)}`;
  /** Polls so far, by device code. */
  private readonly polls = new Map<string, number>();

  constructor(
    readonly tenantId: string,
    private readonly pendingPolls = 1,
  ) {
    super((request) => this.answer(request));
  }

  /** The form of each request to an endpoint ("devicecode" or "token"), in order. */
  formsSentTo(endpoint: "devicecode" | "token"): URLSearchParams[] {
    return this.received("POST", `/${this.tenantId}/oauth2/v2.0/${endpoint}`).map(
      (request) => new URLSearchParams(request.text),
    );
  }

  private answer(request: FakeRequest): FakeResponse {
    const base = `${this.url}/${this.tenantId}`;
    switch (`${request.method} ${request.path}`) {
      case `GET /${this.tenantId}/v2.0/.well-known/openid-configuration`:
        return {
          status: 200,
          body: {
            issuer: `${base}/v2.0`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            token_endpoint: `${base}/oauth2/v2.0/token`,
            device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
            jwks_uri: `${base}/discovery/v2.0/keys`,
          },
        };
      case `POST /${this.tenantId}/oauth2/v2.0/devicecode`: {
        const deviceCode = `fake-device-code-${this.polls.size}`;
        this.polls.set(deviceCode, 0);
        return {
          status: 200,
          body: {
            user_code: USER_CODE,
            device_code: deviceCode,
            verification_uri: `${this.url}/devicelogin`,
            expires_in: 60,
            // MSAL waits interval × 1000 ms between polls, fractions included: keeps the test fast.
            interval: 0.01,
            message: `To sign in, use a web browser to open the page ${this.url}/devicelogin and enter the code ${USER_CODE} to authenticate.`,
          },
        };
      }
      case `POST /${this.tenantId}/oauth2/v2.0/token`:
        return this.poll(new URLSearchParams(request.text).get("device_code") ?? "") <= this.pendingPolls
          ? {
              status: 400,
              body: { error: "authorization_pending", error_description: "The user has not yet signed in." },
            }
          : {
              status: 200,
              body: {
                token_type: "Bearer",
                scope: new URLSearchParams(request.text).get("scope"),
                expires_in: 3600,
                ext_expires_in: 3600,
                access_token: this.accessToken,
              },
            };
      default:
        return { status: 404, body: { error: "not_found" } };
    }
  }

  /** Counts a poll with the device code: how many there have been with it. */
  private poll(deviceCode: string): number {
    const count = (this.polls.get(deviceCode) ?? 0) + 1;
    this.polls.set(deviceCode, count);
    return count;
  }
}
