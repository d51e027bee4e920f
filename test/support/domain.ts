// Values the domain's unit tests share: a managed cluster's ARM id and a person of the directory.
import type { Person } from "../../src/domain/request.js";

export const CLUSTER_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu";

export const person = (oid: string, upn = `${oid}@contoso.dev`): Person => ({ oid, upn, displayName: upn });
