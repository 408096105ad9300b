/** @module The one reading of an HTTP Host header every Tenantry program shares (RFC 9110 §7.2, RFC 3986 §3.2.2). */
import { isIPv4, isIPv6 } from 'node:net';

export type HostHeader =
  | { ok: true; /** Lowercased, without a trailing dot; an IPv6 literal keeps its brackets. */ hostname: string; port: number | undefined }
  | { ok: false; problem: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PORT = /^[0-9]{1,5}$/;

/** Reads a Host header value: a hostname (DNS labels, an IPv4 or a bracketed IPv6 literal) and an optional port 1-65535. */
export function parseHostHeader(value: string | undefined): HostHeader {
  if (value === undefined || value === '') return { ok: false, problem: 'the Host header is empty; send Host: <name>[:<port>]' };
  if (!/^[!-~]+$/.test(value)) return { ok: false, problem: 'the Host header holds spaces or characters other than visible ASCII' };
  if (value.includes('@')) return { ok: false, problem: 'the Host header must not hold user information (user@host)' };
  let name: string;
  let portText: string | undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end === -1) return { ok: false, problem: 'the Host header opens an IPv6 literal with [ but never closes it' };
    name = value.slice(0, end + 1);
    if (!isIPv6(value.slice(1, end))) return { ok: false, problem: `${name} is not a valid IPv6 address` };
    const rest = value.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return { ok: false, problem: 'after an IPv6 literal the Host header may only have :<port>' };
      portText = rest.slice(1);
    }
  } else {
    const colon = value.indexOf(':');
    name = colon === -1 ? value : value.slice(0, colon);
    if (colon !== -1) portText = value.slice(colon + 1);
    if (name === '') return { ok: false, problem: 'the Host header has a port but no host name' };
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = PORT.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return { ok: false, problem: `the Host header's port "${portText}" must be a number from 1 to 65535` };
  }
  let hostname = name.toLowerCase();
  if (!hostname.startsWith('[')) {
    if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
    if (!isIPv4(hostname) && (hostname.length === 0 || hostname.length > 253 || !hostname.split('.').every((label) => LABEL.test(label)))) {
      return { ok: false, problem: `"${name}" is not a valid host name (DNS labels of a-z, 0-9 and '-', dot-separated)` };
    }
  }
  return { ok: true, hostname, port };
}

/** What is wrong with a request's Host header(s) given node:http's `rawHeaders`, or undefined when there is exactly one valid Host. */
export function requestHostProblem(rawHeaders: readonly string[]): string | undefined {
  let host: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 4 || rawHeaders[i]!.toLowerCase() !== 'host') continue;
    if (host !== undefined) return 'the request has more than one Host header; send exactly one';
    host = rawHeaders[i + 1]!;
  }
  const parsed = parseHostHeader(host);
  return parsed.ok ? undefined : parsed.problem;
}
