// Fixtures of the evidence watch's pure rules (credentialWatch.ts, watchRound.ts): minutes past
// 10:00 on 28 November 2026 stand for the clock.
import { parseManagedClusterId } from "../../src/domain/clusters.js";
import type { WatchedWindowState } from "../../src/domain/credentialWatch.js";
import type { AdminCall } from "../../src/domain/evidence.js";
import { CLUSTER_ID } from "./domain.js";

export const cluster = parseManagedClusterId(CLUSTER_ID)!;
export const T0 = Date.UTC(2026, 10, 28, 10, 0);
export const date = (minute: number) => new Date(T0 + minute * 60_000);
export const at = (minute: number) => date(minute).toISOString();

/** A window open from minute `from` to `to`. */
export const window = (requestId: string, from: number, to: number, more: Partial<WatchedWindowState> = {}) => ({
  requestId,
  cluster,
  enabledSince: at(from),
  lockedAt: at(to),
  ...more,
});

/** A get of a secret at `minute`. */
export const call = (id: string, minute: number): AdminCall => ({
  id,
  at: at(minute),
  verb: "get",
  resource: "secrets",
  namespace: "kube-system",
  name: "db",
  user: "masterclient",
  sourceIp: "203.0.113.9",
  status: 200,
});
