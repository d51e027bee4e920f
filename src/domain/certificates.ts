// What to do about admin kubeconfigs that may outlive a window. Disabling local accounts does not
// revoke an admin client certificate; only rotating the cluster certificates does, and rotation
// recreates nodes (up to ~30 minutes of disruption). So rotation needs either the policy or evidence.
import type { OutcomeCode } from "./codes.js";
import type { ManagedCluster } from "./clusters.js";

export const ROTATE_CERTIFICATES = ["never", "when-credentials-issued", "always"] as const;
export type RotateCertificates = (typeof ROTATE_CERTIFICATES)[number];

export type CertificateDecision =
  | { readonly action: "rotate"; readonly reason: string }
  /** Do not rotate, but tell people exactly what to run and why. */
  | { readonly action: "advise"; readonly reason: string }
  | { readonly action: "none"; readonly reason: string };

/** What the lockdown found and did about certificates. */
export interface CertificateOutcome {
  readonly decision: CertificateDecision;
  /** Admin-credential fetches while local accounts were enabled; absent when the log could not be read. */
  readonly fetches?: number;
  readonly rotation?:
    { readonly ok: true } | { readonly ok: false; readonly code: OutcomeCode; readonly message: string };
}

/** `fetches`: admin-credential fetches while local accounts were enabled; undefined when the log could not say. */
export function decideCertificates(policy: RotateCertificates, fetches: number | undefined): CertificateDecision {
  const seen =
    fetches === undefined
      ? "the Activity Log could not be read"
      : fetches === 0
        ? "no admin credentials were fetched"
        : `admin credentials were fetched ${fetches} time(s)`;
  if (policy === "always") return { action: "rotate", reason: `BREAKGLASS_ROTATE_CERTIFICATES=always (${seen})` };
  if (fetches === 0) return { action: "none", reason: `${seen} while local accounts were enabled` };
  if (policy === "when-credentials-issued" && fetches !== undefined) {
    return {
      action: "rotate",
      reason: `${seen} while local accounts were enabled; those kubeconfigs stay valid until rotation`,
    };
  }
  return {
    action: "advise",
    reason:
      policy === "never"
        ? `${seen}; BREAKGLASS_ROTATE_CERTIFICATES=never, so they stay valid until someone rotates the certificates`
        : `${seen}, so it is unknown whether admin kubeconfigs exist; rotate if anyone ran get-credentials --admin`,
  };
}

/** The exact command that revokes admin kubeconfigs. */
export function rotateCommand(cluster: Pick<ManagedCluster, "subscriptionId" | "resourceGroup" | "name">): string {
  return `az aks rotate-certs --subscription ${cluster.subscriptionId} --resource-group ${cluster.resourceGroup} --name ${cluster.name}`;
}
