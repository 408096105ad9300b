/** @module The gateway's host → tenant routes, with longest-prefix path rules. */

export interface Upstream {
  /** Path prefix, matched on segment boundaries: "/api" matches /api and /api/x, not /apix. */
  prefix: string;
  port: number;
}

export interface Route {
  host: string;
  tenant: string;
  /** pending: the tenant exists but is not serving yet (the gateway answers 503). */
  state: 'pending' | 'ready';
  upstreams: Upstream[];
}

export class RouteTable {
  private readonly routes = new Map<string, Route>();

  set(route: Route): void {
    const upstreams = [...route.upstreams].sort((a, b) => b.prefix.length - a.prefix.length);
    this.routes.set(normalizeHost(route.host), { ...route, host: normalizeHost(route.host), upstreams });
  }

  delete(host: string): boolean {
    return this.routes.delete(normalizeHost(host));
  }

  get(host: string): Route | undefined {
    return this.routes.get(host);
  }

  list(): Route[] {
    return [...this.routes.values()];
  }
}

/** The upstream for a path: the longest prefix that matches on a segment boundary. */
export function selectUpstream(route: Route, path: string): Upstream | undefined {
  for (const upstream of route.upstreams) {
    const { prefix } = upstream;
    if (prefix === '/') return upstream;
    if (path.startsWith(prefix)) {
      const next = path.charCodeAt(prefix.length);
      // end of path, '/', '?' or '#'
      if (Number.isNaN(next) || next === 47 || next === 63 || next === 35) return upstream;
    }
  }
  return undefined;
}

/** Lowercases a host and drops its port and any trailing dot; returns '' for an unusable value. */
export function normalizeHost(value: string): string {
  let host = value.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? '' : host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}
