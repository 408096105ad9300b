/** @module HTTP helpers shared by programs that call each other. */

/**
 * Splits the credentials out of a URL such as http://user:secret@host/path, because fetch refuses
 * URLs that carry them: the bare URL, and the Basic Authorization header they stand for.
 */
export function basicAuthRequest(urlWithCredentials: string): { url: URL; authorization: string } {
  const url = new URL(urlWithCredentials);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  return { url, authorization };
}
