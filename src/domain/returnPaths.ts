// Where a sign-in may send the browser back to: only a page of this app. A check on the text alone
// is not enough, because a browser normalises a Location before it follows it — it drops tabs and
// newlines, reads "\" as "/" and resolves "." and ".." — so "/<tab>/evil", "/\evil" and "/.//evil" all
// become "//evil", another host. The path is therefore resolved the way a browser would (WHATWG URL)
// and judged by what it becomes.

/**
 * A URL as a browser sends it: printable ASCII, everything else percent-encoded. Raw spaces, control
 * characters (CR and LF split headers, tabs vanish in the parser) and non-ASCII text (a header
 * carries Latin-1 at most) have no place in it.
 */
const AS_SENT = /^[\x21-\x7e]*$/;

/**
 * The path (with query and fragment) that `returnTo` names on `origin`, normalised and encoded as a
 * Location header can carry it; undefined unless `returnTo` is an absolute path ("/…") that stays
 * on `origin` and is still a path after normalisation (one leading "/", not a "//host").
 */
export function returnPath(returnTo: string, origin: string): string | undefined {
  if (!returnTo.startsWith("/") || !AS_SENT.test(returnTo)) return undefined;
  const base = new URL(origin);
  // "/\[::1" reads as "//[::1", a host that does not parse: not a path of this app either.
  if (!URL.canParse(returnTo, origin)) return undefined;
  const resolved = new URL(returnTo, base);
  if (resolved.origin !== base.origin || resolved.pathname.startsWith("//")) return undefined;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
