export { SignInUnavailable } from "./errors.js";

export interface AccessToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** A signed-in person's access tokens for the break-glass API. */
export interface SignIn {
  /** Throws SignInUnavailable when no way of signing in works. */
  token(scope: string): Promise<AccessToken>;
}
