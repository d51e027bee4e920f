// Browser tests' shared setup: headless Debian Chromium driven by playwright-core, against an
// offline host. With REQUIRE_BROWSER=1 (CI) a missing Chromium fails the run instead of skipping it.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { describe, it } from "vitest";
import { ROOT } from "./processes.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Whether the browser tests can run here; registers a failing test when they must and cannot. */
export function browserAvailable(): boolean {
  const available = existsSync(CHROMIUM);
  if (process.env.REQUIRE_BROWSER === "1" && !available) {
    describe("browser tests", () => {
      it("need Chromium", () => {
        throw new Error(
          `REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
        );
      });
    });
  }
  return available;
}

/** Where the browser tests put their screenshots. */
export const ARTIFACTS = join(ROOT, "test-artifacts");

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root, and on a machine without outside network: no sandbox, no background traffic.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Calls the host's API, as `user` (a dev token) when one is named. */
export async function callApi(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  user?: string,
): Promise<Response> {
  const token = user
    ? ((await (await callApi(base, "POST", "/api/dev/token", { user })).json()) as { access_token: string })
        .access_token
    : undefined;
  return fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
