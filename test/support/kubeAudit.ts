// A kube-audit log that answers what a test scripts, query by query, and remembers what it was asked.
import type { ManagedCluster } from "../../src/domain/clusters.js";
import { KUBE_ADMIN_USER, type AdminCall } from "../../src/domain/evidence.js";
import type { AdminCallsAnswer, KubeAuditLog } from "../../src/ports/kubeAuditLog.js";

export interface KubeAuditQuery {
  readonly cluster: string;
  readonly from: string;
  readonly to: string;
}

/** Answer number `index` (from 0): an answer, or an error to throw. */
export type KubeAuditScript = (index: number) => AdminCallsAnswer | Error;

export class ScriptedKubeAudit implements KubeAuditLog {
  readonly queries: KubeAuditQuery[] = [];

  constructor(private readonly script: KubeAuditScript) {}

  async adminCalls(cluster: ManagedCluster, from: Date, to: Date): Promise<AdminCallsAnswer> {
    const index = this.queries.push({ cluster: cluster.id, from: from.toISOString(), to: to.toISOString() }) - 1;
    const answer = this.script(index);
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

/** The answers as the ingestion delay makes them: `counts[i]` of `calls` at query i (the last count after). */
export function arriving(calls: readonly AdminCall[], counts: readonly number[]): KubeAuditScript {
  return (index) => ({
    kind: "found",
    calls: calls.slice(0, counts[Math.min(index, counts.length - 1)]),
    truncated: false,
  });
}

/** An admin call at `at`, number `index`. */
export function adminCall(index: number, at: string, fields: Partial<AdminCall> = {}): AdminCall {
  return {
    id: `audit-${index}`,
    at,
    verb: "delete",
    resource: "pods",
    namespace: "kube-system",
    name: `coredns-${index}`,
    user: KUBE_ADMIN_USER,
    sourceIp: "10.0.0.4",
    status: 200,
    ...fields,
  };
}

/** The AuditId a call's id starts with (the rest tells apart calls that share one). */
export const auditIdOf = (call: { id: string }) => call.id.split("#")[0]!;
/** The answer with each call's id cut back to its AuditId, for comparison with the rows put in. */
export function withAuditIds<A>(answer: A): A {
  const found = answer as { kind?: string; calls?: { id: string }[] };
  if (found.kind !== "found" || !found.calls) return answer;
  return { ...answer, calls: found.calls.map((call) => ({ ...call, id: auditIdOf(call) })) };
}
