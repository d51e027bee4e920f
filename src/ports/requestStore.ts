import type { RequestStatus } from "../domain/lifecycle.js";
import type { EmergencyRequest, RequestProgress } from "../domain/request.js";

export type CreateRequestResult =
  | { readonly kind: "created" }
  /** The requester already has a request on this cluster that has not ended. */
  | { readonly kind: "live-request-exists"; readonly existingId: string };

export type RecordProgressResult =
  | { readonly kind: "applied"; readonly request: EmergencyRequest }
  | { readonly kind: "already-there"; readonly request: EmergencyRequest }
  | { readonly kind: "illegal"; readonly request: EmergencyRequest }
  | { readonly kind: "not-found" };

export interface RequestFilter {
  readonly status?: RequestStatus;
  readonly clusterId?: string;
}

/** Requests and their progress. Storage outages are thrown as TransientError. */
export interface RequestStore {
  /** Stores a new request unless its requester already has a live one on the same cluster. */
  create(request: EmergencyRequest): Promise<CreateRequestResult>;
  get(id: string): Promise<EmergencyRequest | undefined>;
  /** Moves a request along its lifecycle; repeating a step is harmless, going backwards is refused. */
  recordProgress(id: string, progress: RequestProgress): Promise<RecordProgressResult>;
  /** Newest first. */
  list(filter: RequestFilter): Promise<readonly EmergencyRequest[]>;
}
