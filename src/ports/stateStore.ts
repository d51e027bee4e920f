/** A stored document and the version it was read at (undefined: nothing stored under the key yet). */
export interface Versioned<S> {
  readonly state: S;
  readonly version: string | undefined;
}

/** What `update` should do with the current state: write `next` (if given) and return `result`. */
export interface StateChange<S, T> {
  readonly next?: S;
  readonly result: T;
}

/**
 * Small JSON documents, one per key, changed with optimistic concurrency so that two writers never
 * lose each other's update. Storage outages are thrown as TransientError.
 */
export interface StateStore<S> {
  read(key: string): Promise<Versioned<S>>;
  /** Writes `next` only if the document is still at `version`; false when someone wrote first. */
  replace(key: string, next: S, version: string | undefined): Promise<boolean>;
  /** Reads, applies `change`, and writes if nobody wrote in between, reading again otherwise. */
  update<T>(key: string, change: (current: S) => StateChange<S, T>): Promise<T>;
}
