// A harness in azure mode: the app composed against a world of HTTPS fakes of its own.
import { onTestFinished } from "vitest";
import { startAzureWorld, type AzureWorld } from "./azureWorld.js";
import { createHarness, type Harness, type HarnessOptions } from "./harness.js";

export interface AzureHarness extends Harness {
  /** The HTTPS fakes of ARM, Graph, Entra, Log Analytics and the Teams webhook that this app talks to. */
  readonly azure: AzureWorld;
}

/** A harness in azure mode against a world of HTTPS fakes of its own, which stops when the test ends. */
export async function azureHarness(options: Omit<HarnessOptions, "azure"> = {}): Promise<AzureHarness> {
  const azure = await startAzureWorld();
  onTestFinished(() => azure.stop());
  // Assigned, not spread: spreading would read `world`, which throws outside simulation mode.
  const harness = Object.assign(await createHarness({ ...options, azure }), { azure });
  // kube-audit rows are ingested on the app's clock, so that a test moves both together.
  azure.logs.clock = () => harness.clock.date();
  return harness;
}
