/** @module What the gateway does with a request, decided the same way on its fast and its complete path. */
import { isMetered, parseHostHeader, type TenantryError } from '@tenantry/core';
import { GatewayErrors } from './errors.js';
import { selectUpstream, type Route, type RouteTable, type Upstream } from './route-table.js';

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus client-set forwarding headers. */
export const DROPPED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // The gateway itself answers "Expect: 100-continue", so the upstream never sees it.
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-real-ip',
  'x-original-host',
  'x-host',
  'x-original-url',
  'x-rewrite-url',
]);

/** The prefix of the platform's own headers: set only inside the platform, never accepted from a client. */
export const INTERNAL_HEADER_PREFIX = 'x-tenantry-';

/** Whether a client's request header (lowercased name) is removed before the request goes to a tenant. */
export function isDroppedRequestHeader(name: string): boolean {
  return DROPPED_REQUEST_HEADERS.has(name) || name.startsWith(INTERNAL_HEADER_PREFIX);
}

export const DROPPED_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/** The deadlines both paths apply to a request body: between two of its bytes, and for all of it. */
export interface BodyTimeouts {
  idleMs: number;
  totalMs: number;
}

/** Where the gateway learns whether a program on this machine serves yet (locally, the supervisor's view). */
export interface ProgramReadiness {
  /** Undefined when the program listening at this port serves (or is not known); else resolves once it does. */
  whenServing(port: number): Promise<void> | undefined;
}

export type Decision =
  | { kind: 'proxy'; route: Route; upstream: Upstream }
  | { kind: 'wake'; route: Route }
  | { kind: 'hold'; route: Route; serving: Promise<void> }
  | { kind: 'refuse'; error: TenantryError; retryAfter?: number };

/**
 * Routes by the Host header alone: the request target must be a path, and there must be exactly one Host.
 * A request for a program of this machine that does not serve yet (starting, restarting) is held.
 */
export function decide(routes: RouteTable, target: string, hosts: readonly string[], programs?: ProgramReadiness): Decision {
  if (target.charCodeAt(0) !== 47) return { kind: 'refuse', error: GatewayErrors.absoluteForm() };
  if (hosts.length === 0 || !hosts[0]) return { kind: 'refuse', error: GatewayErrors.missingHost() };
  if (hosts.length > 1) return { kind: 'refuse', error: GatewayErrors.ambiguousHost() };
  const parsed = parseHostHeader(hosts[0]);
  if (!parsed.ok) return { kind: 'refuse', error: GatewayErrors.badHost(parsed.problem) };
  const route = routes.get(parsed.hostname);
  if (!route) return { kind: 'refuse', error: GatewayErrors.unknownHost(parsed.hostname) };
  if (route.state === 'frozen') {
    // A probe never wakes a tenant (else probing would keep every tenant awake): it learns it is frozen.
    return isMetered(target) ? { kind: 'wake', route } : { kind: 'refuse', error: GatewayErrors.frozen(route.tenant) };
  }
  if (route.state !== 'ready') return { kind: 'refuse', error: GatewayErrors.notReady(route.tenant), retryAfter: 2 };
  const upstream = selectUpstream(route, target);
  if (!upstream) return { kind: 'refuse', error: GatewayErrors.noProgram(route.tenant, target) };
  const serving = upstream.host === undefined ? programs?.whenServing(upstream.port) : undefined;
  return serving ? { kind: 'hold', route, serving } : { kind: 'proxy', route, upstream };
}

/** The JSON body and headers of an answer the gateway gives itself. */
export function refusalBody(error: TenantryError): string {
  return JSON.stringify(error.toJSON());
}
