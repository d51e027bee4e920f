/** A requester's Idempotency-Key as it is held: the request it names and, once answered, the answer. */
export interface IdempotencyRecord {
  /** The id of the request the attempt that reserved the key creates. */
  readonly requestId: string;
  readonly reservedAt: string;
  /** The JSON body of the 202 answered, once the attempt completed; absent while it is pending. */
  readonly answer?: string;
}

/** A record as read, with the version a conditional write must name. */
export interface StoredIdempotencyRecord extends IdempotencyRecord {
  readonly version: string;
}

export type ReserveResult = { readonly kind: "reserved"; readonly version: string } | { readonly kind: "exists" };

export type ReplaceResult = { readonly kind: "replaced"; readonly version: string } | { readonly kind: "changed" };

/**
 * Idempotency keys per requester (keys of different requesters never meet). Writes are atomic:
 * a reservation is insert-only, and replacing or releasing one names the version read. Storage
 * outages are thrown as TransientError.
 */
export interface IdempotencyStore {
  read(requesterOid: string, key: string): Promise<StoredIdempotencyRecord | undefined>;
  /** Inserts the record; `exists` when the key is already held (by any attempt, in any state). */
  reserve(requesterOid: string, key: string, record: IdempotencyRecord): Promise<ReserveResult>;
  /** Replaces the record if it is still at `version`; `changed` if it was replaced or removed since. */
  replace(requesterOid: string, key: string, record: IdempotencyRecord, version: string): Promise<ReplaceResult>;
  /** Removes the record if it is still at `version`; a record changed or gone since is left alone. */
  release(requesterOid: string, key: string, version: string): Promise<void>;
}
