// Access tokens kept between `breakglass` invocations, so that a person signs in once per token's life
// rather than at every command (a device code each time would be unbearable at 3 a.m.). The file
// holds bearer tokens: it is the user's alone (0600 in a 0700 directory), replaced atomically, and
// not believed when anyone else could have written or read it.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { AccessToken, SignIn } from "../ports/signIn.js";

/** A token is used until this long before it expires, so that it does not expire on its way to the server. */
export const EXPIRY_MARGIN_MS = 5 * 60_000;

export interface TokenCacheOptions {
  /** The cache file (by default `${XDG_CACHE_HOME:-~/.cache}/aks-breakglass/tokens.json`, see tokenCacheFile). */
  readonly file: string;
  readonly now: () => Date;
  /** Told, once, why the file was not used or could not be written; never given a token. */
  readonly warn?: (message: string) => void;
}

type Entries = z.infer<typeof CacheFile>["tokens"];
type Entry = Entries[string];

/** The default cache file. */
export function tokenCacheFile(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return join(env.XDG_CACHE_HOME || join(home, ".cache"), "aks-breakglass", "tokens.json");
}

/** A SignIn whose tokens can be dropped: the server refused one (revoked, another tenant or account). */
export interface CachedSignIn extends SignIn {
  forget(scope: string): void;
}

/** A SignIn that answers from the cache file while a token lives, and asks `inner` otherwise. */
export function cachedSignIn(inner: SignIn, options: TokenCacheOptions): CachedSignIn {
  const warned = new Set<string>();
  const warn = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    options.warn?.(message);
  };
  // What this process got, kept also in memory: when the file cannot be written, one command that
  // calls the API many times (--wait) still signs in once.
  const memory: Entries = {};
  return {
    async token(scope) {
      const now = options.now().getTime();
      const live = (entry: Entry | undefined): entry is Entry =>
        entry !== undefined && Date.parse(entry.expiresAt) - EXPIRY_MARGIN_MS > now;
      if (live(memory[scope])) return accessToken(memory[scope]);
      const entries = readEntries(options.file, warn);
      if (live(entries[scope])) return accessToken((memory[scope] = entries[scope]));
      const fresh = await inner.token(scope);
      memory[scope] = { token: fresh.token, expiresAt: fresh.expiresAt.toISOString() };
      const kept = Object.fromEntries(Object.entries(entries).filter(([, entry]) => Date.parse(entry.expiresAt) > now));
      writeEntries(options.file, { ...kept, [scope]: memory[scope] }, warn);
      return fresh;
    },
    forget(scope) {
      delete memory[scope];
      const entries = readEntries(options.file, warn);
      if (!(scope in entries)) return;
      delete entries[scope];
      writeEntries(options.file, entries, warn);
    },
  };
}

function accessToken(entry: Entry): AccessToken {
  return { token: entry.token, expiresAt: new Date(entry.expiresAt) };
}

/** The trusted entries of the file: none when it is missing, corrupt, or open to others. */
function readEntries(file: string, warn: (message: string) => void): Entries {
  let descriptor: number;
  try {
    // O_NOFOLLOW: a symbolic link planted in place of the file is not followed to someone else's file.
    descriptor = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    // Missing (or a file where its folder should be, which the write reports) is simply no cache yet.
    if (!["ENOENT", "ENOTDIR"].includes(String((error as NodeJS.ErrnoException).code)))
      warn(`ignoring the token cache ${file}: ${reason(error)}`);
    return {};
  }
  try {
    // Checked on the open file, so that it cannot be swapped between the check and the read.
    const distrust = distrustOf(fstatSync(descriptor), process.getuid?.());
    if (distrust) {
      warn(`ignoring the token cache ${file}: ${distrust}; it will be replaced`);
      return {};
    }
    return parsed(readFileSync(descriptor, "utf8"));
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Why the file cannot be trusted with tokens, if it cannot: someone else's, or open to others. `uid` is
 * the current user's, undefined on Windows, which has neither owners by uid nor mode bits (there the file
 * lives in the user's profile, closed to others by its ACL).
 */
export function distrustOf(stats: { uid: number; mode: number }, uid: number | undefined): string | undefined {
  if (uid === undefined) return undefined;
  if (stats.uid !== uid) return `it is owned by uid ${stats.uid}, not by you`;
  if (stats.mode & 0o077) return `others may read it (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
}

const CacheFile = z.object({
  tokens: z.record(z.string(), z.object({ token: z.string(), expiresAt: z.iso.datetime() })),
});

function parsed(text: string): Entries {
  try {
    return CacheFile.parse(JSON.parse(text)).tokens;
  } catch {
    return {};
  }
}

/** Replaces the file atomically with one only the user can read; a failure costs a sign-in next time, no more. */
function writeEntries(file: string, entries: Entries, warn: (message: string) => void): void {
  const folder = dirname(file);
  const temporary = join(folder, `.tokens.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let created = false;
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // A folder made before (by hand, by an older version) is closed too; chmod fails on someone else's.
    chmodSync(folder, 0o700);
    // "wx": a file already at the temporary name (planted) is an error, never written through.
    writeFileSync(temporary, JSON.stringify({ version: 1, tokens: entries }), { mode: 0o600, flag: "wx" });
    created = true;
    renameSync(temporary, file);
  } catch (error) {
    if (created) rmSync(temporary, { force: true });
    warn(`could not keep the token in ${file}: ${reason(error)}`);
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
