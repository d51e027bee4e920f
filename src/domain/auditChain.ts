// The audit trail's integrity. Every entry carries the SHA-256 of its own canonical content. A
// request's entries are also chained: each carries its sequence number and the hash of the entry
// before it (the first, a hash of the stream's name), so an edited, removed, reordered or inserted
// entry breaks the chain. The workflow computes the chain itself (hashing is deterministic), so
// entries written late, after a storage outage, still fit. Heads are sealed with an HMAC.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import {
  auditKeyOf,
  canonicalJson,
  dailyStreamName,
  type AuditEntry,
  type AuditFields,
  type AuditHead,
  type ChainVerdict,
} from "./audit.js";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The hash an entry must carry: over its canonical content, without the hash itself. */
export function auditEntryHash(entry: Omit<AuditEntry, "hash"> & { readonly hash?: string }): string {
  const { hash: _hash, ...content } = entry;
  return sha256(canonicalJson(content));
}

/** What the first entry of a stream follows: binds the chain to its stream. */
export function streamGenesis(stream: string): string {
  return sha256(`aks-breakglass audit stream ${stream}`);
}

function hashed(entry: Omit<AuditEntry, "hash">): AuditEntry {
  return { ...entry, hash: auditEntryHash(entry) };
}

/** Entry `sequence` of a request's chain, following the entry whose hash is `prevHash`. */
export function requestAuditEntry(
  requestId: string,
  sequence: number,
  prevHash: string,
  fields: AuditFields,
): AuditEntry {
  return hashed({ stream: requestId, key: auditKeyOf(sequence), sequence, prevHash, ...fields });
}

/** An entry for a refusal outside a request; `nonce` keeps two refusals in the same millisecond apart. */
export function securityAuditEntry(nonce: string, fields: AuditFields): AuditEntry {
  return hashed({ stream: dailyStreamName("security", fields.at), key: `${fields.at}-${nonce}`, ...fields });
}

/** An entry of the watchdog (it acts outside any workflow), in a daily stream of its own. */
export function watchdogAuditEntry(nonce: string, fields: AuditFields): AuditEntry {
  return hashed({ stream: dailyStreamName("watchdog", fields.at), key: `${fields.at}-${nonce}`, ...fields });
}

/** An entry of group watch (membership changes and policy), in a daily stream of its own. */
export function groupAuditEntry(nonce: string, fields: AuditFields): AuditEntry {
  return hashed({ stream: dailyStreamName("groups", fields.at), key: `${fields.at}-${nonce}`, ...fields });
}

/** An entry of the readiness timer (a check turned red or green), in a daily stream of its own. */
export function readinessAuditEntry(nonce: string, fields: AuditFields): AuditEntry {
  return hashed({ stream: dailyStreamName("readiness", fields.at), key: `${fields.at}-${nonce}`, ...fields });
}

/**
 * An HMAC over a head, with a key only the app holds: someone who can write the tables but does
 * not know the key can rewrite a chain (its hashes have no secret) but cannot seal the new head.
 */
export function sealHead(key: Uint8Array, seal: HeadSeal, stream: string, head: AuditHead): string {
  return hmac(key, { seal, stream, entries: head.entries, hash: head.hash });
}

function hmac(key: Uint8Array, content: unknown): string {
  return createHmac("sha256", key).update(canonicalJson(content)).digest("hex");
}

/**
 * What a seal vouches for: the head as it moves with each entry, or the head at the request's end
 * recorded in the index. Sealed apart, so that an earlier head seal (a copy of the head row while
 * the window was open) cannot pass for the end of the trail.
 */
export type HeadSeal = "current" | "closed";

export function isSealed(key: Uint8Array, kind: HeadSeal, stream: string, head: AuditHead, seal: string): boolean {
  const given = Buffer.from(seal, "hex");
  // Seals from the first release did not say what they vouch for; they are still the app's, so
  // trails written then still verify (for those, a copied head seal can pass for the end).
  const legacy = hmac(key, { stream, entries: head.entries, hash: head.hash });
  return [sealHead(key, kind, stream, head), legacy].some((candidate) => {
    const expected = Buffer.from(candidate, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * Checks a request's stored entries (in key order) against their hashes, their chain and the
 * recorded head: any edited, removed, reordered or inserted entry is reported with the index of
 * the first entry that no longer fits.
 */
export function verifyChain(stream: string, entries: readonly AuditEntry[], head: AuditHead | undefined): ChainVerdict {
  const broken = (brokenAt: number, reason: string): ChainVerdict => ({
    ok: false,
    entries: entries.length,
    brokenAt,
    reason,
  });
  let previous = streamGenesis(stream);
  for (const [index, entry] of entries.entries()) {
    if (entry.stream !== stream) return broken(index, `entry ${index} belongs to stream ${entry.stream}`);
    if (entry.hash !== auditEntryHash(entry))
      return broken(index, `entry ${index} does not match its hash: it was changed after it was written`);
    if (entry.sequence !== index) {
      return broken(
        index,
        `entry ${index} says it is entry ${String(entry.sequence)}: entries were removed, reordered or inserted`,
      );
    }
    if (entry.key !== auditKeyOf(index)) return broken(index, `entry ${index} is stored under key ${entry.key}`);
    if (entry.prevHash !== previous)
      return broken(index, `entry ${index} does not follow entry ${index - 1}: an entry before it was replaced`);
    previous = entry.hash;
  }
  if (!head) return entries.length ? broken(0, "the stream has entries but no head record") : { ok: true, entries: 0 };
  if (entries.length < head.entries)
    return broken(
      entries.length,
      `the trail ends after ${entries.length} entries, but ${head.entries} were written: entries were deleted`,
    );
  if (entries.length > head.entries)
    return broken(
      head.entries,
      `${entries.length - head.entries} entries follow the recorded head: entries were inserted`,
    );
  if (entries.length && previous !== head.hash)
    return broken(entries.length - 1, "the last entry is not the one recorded as the head");
  return { ok: true, entries: entries.length };
}

/**
 * Checks a daily stream's entries (in key order): each must match its hash and sit under a key
 * made of its own time. Daily streams are not chained: an edited entry is found, a deleted one is not.
 */
export function verifyDailyStream(stream: string, entries: readonly AuditEntry[]): ChainVerdict {
  const broken = (brokenAt: number, reason: string): ChainVerdict => ({
    ok: false,
    entries: entries.length,
    brokenAt,
    reason,
  });
  for (const [index, entry] of entries.entries()) {
    if (entry.stream !== stream) return broken(index, `entry ${index} belongs to stream ${entry.stream}`);
    if (entry.hash !== auditEntryHash(entry))
      return broken(index, `entry ${index} does not match its hash: it was changed after it was written`);
    if (!stream.endsWith(`-${entry.at.slice(0, 10)}`) || !entry.key.startsWith(`${entry.at}-`)) {
      return broken(
        index,
        `entry ${index} (${entry.at}) is stored under key ${entry.key} of stream ${stream}, not under its own time`,
      );
    }
  }
  return { ok: true, entries: entries.length };
}

/**
 * Nonces for entries keyed `${at}-${nonce}`: the count keeps one process's entries of an instant in
 * order, the random part keeps processes apart.
 */
export function auditNonces(randomBytes: (size: number) => Uint8Array): () => string {
  let issued = 0;
  return () => `${String(++issued).padStart(8, "0")}-${Buffer.from(randomBytes(4)).toString("hex")}`;
}
