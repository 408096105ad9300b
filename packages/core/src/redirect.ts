/**
 * @module Where a browser may be sent after sign-in (a `next` parameter): only a path of the
 * tenant's own origin. Decided by the WHATWG URL parser, the one the browser itself uses, so tabs,
 * newlines, backslashes and encoded slashes cannot make a string that looks like a path leave the site.
 */

/**
 * The same-origin path, query and fragment `target` resolves to against `origin`, or `fallback`
 * when it would reach any other origin (or is not a URL at all).
 */
export function sameOriginTarget(target: string | null | undefined, origin: string, fallback: string): string {
  if (!target) return fallback;
  let base: URL;
  let resolved: URL;
  try {
    base = new URL(origin);
    resolved = new URL(target, base);
  } catch (err) {
    if (err instanceof TypeError) return fallback;
    throw err;
  }
  if (resolved.origin !== base.origin || base.origin === 'null') return fallback;
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // A path starting "//" or "/\" is read as another host when it is followed as a relative URL.
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return fallback;
  return path;
}
