// The simulated world (docs/design.md §6): clusters, directory, Activity Log, kube-audit and
// notifications kept in Table Storage, and sign-in with a local dev key. Loaded only in
// simulation mode (composition.ts imports it on demand).
import { DevTokenIssuer } from "../adapters/simulation/devTokens.js";
import { OutboxNotifier } from "../adapters/simulation/outbox.js";
import { SimulatedActivityLog } from "../adapters/simulation/simulatedActivityLog.js";
import {
  SimulatedClusterAuthorization,
  SimulatedTenantPolicies,
} from "../adapters/simulation/simulatedAuthorization.js";
import { SimulatedClusters } from "../adapters/simulation/simulatedClusters.js";
import { SimulatedDirectory, type DirectorySeed } from "../adapters/simulation/simulatedDirectory.js";
import { SimulatedKubeAudit } from "../adapters/simulation/simulatedKubeAudit.js";
import type { TableStorageSettings } from "../adapters/azure/tables.js";
import { createTokenVerifier } from "../http/authentication.js";
import { DEV_SESSION_COOKIE } from "../http/dev.js";
import { devSessionAuthentication } from "../http/pageAuthentication.js";
import type { SimulationWorld, World } from "./world.js";
import type { Config } from "./config.js";
import { SIMULATION_GROUPS, SIMULATION_USERS } from "./simulationDefaults.js";

export async function simulationWorld(
  config: Config,
  storage: TableStorageSettings,
  now: () => Date,
  resourceGraphLagMs?: number,
): Promise<World> {
  const activityLog = new SimulatedActivityLog(storage);
  const clusterControl = new SimulatedClusters(storage, config.clusters, activityLog, now, resourceGraphLagMs);
  const simulation: SimulationWorld = {
    clusterControl,
    activityLog,
    kubeAudit: new SimulatedKubeAudit(storage, now, clusterControl),
    directory: new SimulatedDirectory(storage, SIMULATION_DIRECTORY),
    outbox: new OutboxNotifier(storage, now),
    tokens: await DevTokenIssuer.create({
      authorityHost: config.endpoints.authority,
      tenantId: config.tenantId,
      audience: config.apiAudience,
    }),
  };
  return {
    leaseMs: 60_000,
    clusterAuthorization: new SimulatedClusterAuthorization(simulation.clusterControl, config.emergencyGroupId),
    tenantPolicies: new SimulatedTenantPolicies(),
    appIdentity: {},
    directory: simulation.directory,
    clusterControl: simulation.clusterControl,
    notifier: simulation.outbox,
    activityLog: simulation.activityLog,
    kubeAudit: simulation.kubeAudit,
    groupChanges: simulation.directory,
    directoryAudit: simulation.directory,
    subscriptions: undefined,
    signingKeys: simulation.tokens.keys,
    pageAuthentication: (policy) =>
      devSessionAuthentication(
        createTokenVerifier(policy),
        DEV_SESSION_COOKIE,
        SIMULATION_USERS.map((user) => user.upn),
      ),
    healthChecks: [],
    fleetInventory: simulation.clusterControl,
    simulation,
  };
}

/** The simulated directory's people and groups, as the simulation starts. */
const SIMULATION_DIRECTORY: DirectorySeed = {
  groups: Object.values(SIMULATION_GROUPS),
  users: SIMULATION_USERS.map(({ groups, ...user }) => ({
    ...user,
    groupIds: groups.map((group) => SIMULATION_GROUPS[group].id),
  })),
};
