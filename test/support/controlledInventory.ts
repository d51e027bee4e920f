// A fleet inventory whose staleness a test sets, in place of waiting for Resource Graph to lag:
// it passes queries to the real one, or answers what it answered last (held), shows chosen
// clusters as a stale row would, or fails. It counts the queries it was asked.
import type { ManagedCluster } from "../../src/domain/clusters.js";
import type { ClusterObservation, FleetInventory, FleetObservation, FleetQuery } from "../../src/ports/fleet.js";

export class ControlledInventory implements FleetInventory {
  queries = 0;
  private last: FleetObservation | undefined;
  private held = false;
  private failure: Error | undefined;
  private readonly rows = new Map<string, Partial<ClusterObservation>>();

  constructor(private readonly inner: FleetInventory) {}

  async observe(query: FleetQuery): Promise<FleetObservation> {
    this.queries++;
    if (this.failure) throw this.failure;
    if (!this.held || !this.last) this.last = await this.inner.observe(query);
    const answer = this.last;
    if (answer.kind !== "observed") return answer;
    const clusters = answer.clusters.map((seen) => ({ ...seen, ...this.rows.get(seen.cluster.id.toLowerCase()) }));
    return { kind: "observed", clusters };
  }

  /** From now on answers what it answered last: nothing that changes reaches it, as when Resource Graph lags. */
  hold(): void {
    this.held = true;
  }

  /** Answers what the real inventory says again. */
  release(): void {
    this.held = false;
    this.failure = undefined;
  }

  /** Shows `cluster` with these fields, whatever the real inventory says (a row that has not caught up). */
  show(cluster: ManagedCluster, row: Partial<ClusterObservation>): void {
    this.rows.set(cluster.id.toLowerCase(), row);
  }

  fail(error: Error): void {
    this.failure = error;
  }
}
