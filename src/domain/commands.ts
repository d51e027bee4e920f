// The exact az commands messages tell people to run, so that each is spelled one way everywhere.
import type { ManagedCluster } from "./clusters.js";

type Target = Pick<ManagedCluster, "subscriptionId" | "resourceGroup" | "name">;

function onCluster(verb: string, cluster: Target, flag: string): string {
  return `az aks ${verb} --subscription ${cluster.subscriptionId} --resource-group ${cluster.resourceGroup} --name ${cluster.name} ${flag}`;
}

/** Fetches admin credentials during a window. */
export function adminCredentialsCommand(request: { readonly cluster: Target }): string {
  return onCluster("get-credentials", request.cluster, "--admin");
}

/** Locks a cluster by hand. */
export function disableLocalAccountsCommand(cluster: Target): string {
  return onCluster("update", cluster, "--disable-local-accounts");
}

/** Turns on the Entra ID integration without which ARM refuses to disable local accounts. */
export function enableEntraIntegrationCommand(cluster: Target): string {
  return onCluster("update", cluster, "--enable-aad");
}
