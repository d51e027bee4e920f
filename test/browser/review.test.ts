// The review page in a real browser (headless Debian Chromium driven by playwright-core), against
// the offline host: an approver follows the link from the notification, signs in, reads the
// request, approves, and the cluster opens. With REQUIRE_BROWSER=1 (CI) a missing Chromium fails
// the run instead of skipping it.
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, browserAvailable, callApi, launchChromium } from "../support/browser.js";
import { startSimulationHost, type SimulationHost } from "../support/processes.js";

const AVAILABLE = browserAvailable();
const CLUSTER =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu";

describe.skipIf(!AVAILABLE)("the review page in Chromium", () => {
  let stack: SimulationHost;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    stack = await startSimulationHost("browser");
    base = stack.base;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const api = (method: string, path: string, body?: unknown, user?: string) => callApi(base, method, path, body, user);

  async function requestAndLink(requester: string, cluster = CLUSTER): Promise<{ id: string; link: string }> {
    const created = await api(
      "POST",
      "/api/requests",
      { cluster, justification: "Entra outage, kubectl via AAD fails", ticket: "INC-501", duration: "PT15M" },
      requester,
    );
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const outbox = (await (await api("GET", `/api/dev/outbox?requestId=${id}`)).json()) as {
      channel: string;
      links: { label: string; url: string }[];
    }[];
    const link = outbox
      .find((message) => message.channel === "email")!
      .links.find((candidate) => candidate.label === "Review and decide")!.url;
    return { id, link };
  }

  async function signIn(page: Page, link: string, user: string): Promise<void> {
    await page.goto(link);
    await expect.poll(() => page.title()).toContain("Sign in to review");
    await page.getByRole("link", { name: `Sign in as ${user}` }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/review"));
  }

  it("bob opens the link from the notification, signs in, reads the request, approves, and the cluster opens", async () => {
    const { id, link } = await requestAndLink("alice@contoso.dev");
    const context = await browser.newContext({ viewport: { width: 412, height: 915 } }); // a phone
    const page = await context.newPage();
    await signIn(page, link, "bob@contoso.dev");

    const details = page.locator("table");
    await expect.poll(() => details.innerText()).toContain("Alice Admin (alice@contoso.dev)");
    for (const fact of [
      "aks-prod-weu",
      "Entra outage, kubectl via AAD fails",
      "INC-501",
      "15 minutes",
      "0 of 1: none yet",
      "pending-approval",
    ]) {
      expect(await details.innerText()).toContain(fact);
    }
    // Its one script added the approver's own time beside each UTC time.
    expect(await details.locator(".local").first().innerText()).toContain("your time");
    await page.screenshot({ path: join(ARTIFACTS, "review-page.png"), fullPage: true });
    // Usable on a phone: nothing wider than the screen.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(412);

    await page.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.locator("h1").innerText()).toBe("You approved this request");
    expect(await page.locator("[role=status]").innerText()).toMatch(/^Approved\. Local accounts are enabled until /);
    await page.screenshot({ path: join(ARTIFACTS, "review-result.png"), fullPage: true });
    await context.close();

    const clusters = (await (await api("GET", "/api/clusters", undefined, "bob@contoso.dev")).json()) as {
      localAccounts: string;
      openWindows: { requestId: string }[];
    }[];
    expect(clusters[0]).toMatchObject({ localAccounts: "enabled", openWindows: [{ requestId: id }] });
  });

  it("alice opening her own request's link gets no Approve button, nor does carol", async () => {
    // carol is in both groups: her own request is no different from alice's.
    for (const requester of ["alice@contoso.dev", "carol@contoso.dev"]) {
      const { link } = await requestAndLink(requester, CLUSTER.replace("aks-prod-weu", "aks-prod-neu"));
      const context = await browser.newContext();
      const page = await context.newPage();
      await signIn(page, link, requester);
      await expect.poll(() => page.locator("[role=status]").innerText()).toContain("This is your request");
      expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Deny" }).count()).toBe(0);
      expect(await page.locator("table").innerText()).toContain(requester);
      await context.close();
    }
  });

  it("runs no script and cannot be framed", async () => {
    const { link } = await requestAndLink("carol@contoso.dev");
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(link);
    expect(response?.headers()["x-frame-options"]).toBe("DENY");
    expect(await page.locator("script").count()).toBe(0);
    // The nonce'd stylesheet applies: the card has its rounded corners.
    expect(await page.evaluate("getComputedStyle(document.querySelector('main')).borderRadius")).toBe("8px");
    expect(violations).toEqual([]);
    await context.close();
  });
});
