/** @module The gateway's host → tenant routes, with longest-prefix path rules. */
import { parseHostHeader } from '@tenantry/core';

export interface Upstream {
  /** Path prefix, matched on segment boundaries: "/api" matches /api and /api/x, not /apix. */
  prefix: string;
  port: number;
  /** Where the program listens: a host name or address. @defaultValue 127.0.0.1 (a program on this machine) */
  host?: string;
}

/** An upstream's address as a key and a URL authority: `host:port`, an IPv6 address in brackets. */
export function upstreamAuthority(upstream: Pick<Upstream, 'host' | 'port'>): string {
  const host = upstream.host ?? '127.0.0.1';
  return `${host.includes(':') ? `[${host}]` : host}:${upstream.port}`;
}

export interface Route {
  host: string;
  tenant: string;
  /**
   * pending: the tenant exists but is not serving yet (the gateway answers 503); frozen: nothing of
   * it runs, and its first request wakes it (the gateway holds requests until it is ready).
   */
  state: 'pending' | 'ready' | 'frozen';
  upstreams: Upstream[];
}

export class RouteTable {
  private readonly routes = new Map<string, Route>();
  private readonly listeners = new Set<(host: string) => void>();

  set(route: Route): void {
    const upstreams = [...route.upstreams].sort((a, b) => b.prefix.length - a.prefix.length);
    const host = routeHost(route.host);
    this.routes.set(host, { ...route, host, upstreams });
    this.changed(host);
  }

  delete(host: string): boolean {
    const key = routeHost(host);
    const deleted = this.routes.delete(key);
    if (deleted) this.changed(key);
    return deleted;
  }

  /** Calls `listener` with the host of every route set or deleted; returns the unsubscribe. */
  onChange(listener: (host: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(host: string): void {
    for (const listener of this.listeners) listener(host);
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

/**
 * A route's key: its host read as a request's Host header is (lowercased, no port, no trailing dot),
 * so a route and the requests for it are read by the same rules. A host no request could name is refused.
 */
export function routeHost(value: string): string {
  const parsed = parseHostHeader(value);
  if (!parsed.ok) throw new Error(`a route's host: ${parsed.problem}`);
  return parsed.hostname;
}
