// What a mode's world is: its adapters as ports and, in simulation, the simulated world's own
// handles (the dev routes and tests change it through them).
import type { TokenCredential } from "../adapters/azure/credentials.js";
import type { DevTokenIssuer } from "../adapters/simulation/devTokens.js";
import type { OutboxNotifier } from "../adapters/simulation/outbox.js";
import type { SimulatedActivityLog } from "../adapters/simulation/simulatedActivityLog.js";
import type { SimulatedClusters } from "../adapters/simulation/simulatedClusters.js";
import type { SimulatedDirectory } from "../adapters/simulation/simulatedDirectory.js";
import type { SimulatedKubeAudit } from "../adapters/simulation/simulatedKubeAudit.js";
import type { ModePorts } from "./wiring.js";

/** Knobs for the Azure adapters; production uses the defaults, tests make everything fast. */
export interface AzureOptions {
  /** Replaces the managed identity / DefaultAzureCredential. */
  readonly credential?: TokenCredential;
  readonly pollIntervalMs?: number;
  readonly operationTimeoutMs?: number;
  /** Retries inside the SDKs before Durable's own (0 in tests). */
  readonly maxRetries?: number;
  /** Timeout of each Graph and webhook call. */
  readonly timeoutMs?: number;
}

export interface SimulationWorld {
  readonly clusterControl: SimulatedClusters;
  readonly activityLog: SimulatedActivityLog;
  readonly kubeAudit: SimulatedKubeAudit;
  readonly directory: SimulatedDirectory;
  readonly outbox: OutboxNotifier;
  readonly tokens: DevTokenIssuer;
}

/** The adapters that differ between the modes. */
export interface World extends ModePorts {
  readonly simulation: SimulationWorld | undefined;
}
