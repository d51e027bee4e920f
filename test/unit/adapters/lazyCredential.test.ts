// The lazy credential loads @azure/identity with its first token; a load that failed is tried
// again by the next token rather than failing every token for the life of the process.
import { describe, expect, it, vi } from "vitest";

const created = vi.hoisted(() => ({ attempts: 0 }));
vi.mock("../../../src/adapters/azure/credentials.js", () => ({
  createCredential: () => {
    created.attempts++;
    if (created.attempts === 1) throw new Error("the identity module failed to load");
    return { getToken: async () => ({ token: "t", expiresOnTimestamp: 0 }) };
  },
}));
const { lazyCredential } = await import("../../../src/adapters/azure/lazyCredential.js");

describe("lazyCredential", () => {
  it("creates nothing until a token is asked for, and tries a failed load again", async () => {
    const credential = lazyCredential({ clientId: undefined, authorityHost: "https://login.microsoftonline.com" }, {});
    expect(created.attempts).toBe(0);
    await expect(credential.getToken("scope")).rejects.toThrow("failed to load");
    await expect(credential.getToken("scope")).resolves.toMatchObject({ token: "t" });
    await credential.getToken("scope");
    expect(created.attempts).toBe(2);
  });
});
