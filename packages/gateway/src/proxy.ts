/** @module The gateway's HTTP server: routes by Host alone and proxies over pooled keep-alive connections. */
import { createServer, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import type { Logger, TenantryError } from '@tenantry/core';
import { GatewayErrors } from './errors.js';
import { normalizeHost, selectUpstream, type RouteTable } from './route-table.js';

export interface GatewayOptions {
  routes: RouteTable;
  log: Logger;
  /** Time for a whole request to arrive from the client. @defaultValue 300000 */
  requestTimeoutMs?: number;
  /** Idle time allowed on the upstream connection before answering 504. @defaultValue 60000 */
  upstreamTimeoutMs?: number;
  /** Keep-alive connections at most per upstream program. @defaultValue 128 */
  maxConnectionsPerUpstream?: number;
}

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus client-set forwarding headers. */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  // The gateway itself answers "Expect: 100-continue" (node:http does), so the upstream never sees it.
  'expect',
  'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix',
  'x-forwarded-server', 'x-real-ip', 'x-original-host', 'x-host', 'x-original-url', 'x-rewrite-url',
]);
/** Errors that mean the tenant's program is not listening (restarting): answered 503 with Retry-After. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT']);
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function createGatewayServer(options: GatewayOptions): Server {
  const { routes, log } = options;
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 60_000;
  // undici's pooled client: about 2.5 times the throughput of node:http's client for a proxy (docs/benchmarks.md).
  const pools = new Map<number, Pool>();
  const poolFor = (port: number): Pool => {
    let pool = pools.get(port);
    if (!pool) {
      pool = new Pool(`http://127.0.0.1:${port}`, {
        connections: options.maxConnectionsPerUpstream ?? 128,
        headersTimeout: upstreamTimeoutMs,
        bodyTimeout: upstreamTimeoutMs,
        keepAliveTimeout: 4000,
      });
      pools.set(port, pool);
    }
    return pool;
  };

  const server = createServer({ requestTimeout: options.requestTimeoutMs ?? 300_000, headersTimeout: 30_000, keepAliveTimeout: 65_000 }, (req, res) => {
    const failure = (err: TenantryError, retryAfter?: number) => reply(res, err, retryAfter);
    const url = req.url ?? '/';
    if (url.charCodeAt(0) !== 47) return failure(GatewayErrors.absoluteForm());
    const rawHost = req.headers.host;
    if (!rawHost) return failure(GatewayErrors.missingHost());
    if (countHostHeaders(req.rawHeaders) > 1) return failure(GatewayErrors.ambiguousHost());
    const host = normalizeHost(rawHost);
    const route = routes.get(host);
    if (!route) return failure(GatewayErrors.unknownHost(host || rawHost));
    if (route.state !== 'ready') return failure(GatewayErrors.notReady(route.tenant), 2);
    const upstream = selectUpstream(route, url);
    if (!upstream) return failure(GatewayErrors.noProgram(route.tenant, url));

    const headers: string[] = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (!DROPPED_REQUEST_HEADERS.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
    }
    headers.push('x-forwarded-for', req.socket.remoteAddress ?? '', 'x-forwarded-host', rawHost, 'x-forwarded-proto', 'http');
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;

    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    poolFor(upstream.port).stream(
      { path: url, method: req.method as Dispatcher.HttpMethod, headers, body: hasBody ? req : null, signal: abort.signal },
      ({ statusCode, headers: upstreamHeaders }) => {
        const responseHeaders: OutgoingHttpHeaders = {};
        for (const name in upstreamHeaders) {
          if (!DROPPED_RESPONSE_HEADERS.has(name)) responseHeaders[name] = upstreamHeaders[name];
        }
        res.writeHead(statusCode, responseHeaders);
        return res;
      },
      (err: (Error & { code?: string }) | null) => {
        if (!err) return;
        if (res.headersSent || abort.signal.aborted) {
          res.destroy();
          return;
        }
        if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') return failure(GatewayErrors.upstreamTimeout(route.tenant));
        if (UNAVAILABLE_CODES.has(err.code ?? '')) {
          log.warn({ tenant: route.tenant, port: upstream.port, err: err.message }, 'upstream unavailable');
          return failure(GatewayErrors.upstreamUnavailable(route.tenant), 1);
        }
        log.error({ tenant: route.tenant, port: upstream.port, err: err.message, code: err.code }, 'proxying failed');
        failure(GatewayErrors.badGateway(route.tenant));
      },
    );
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('close', () => {
    for (const pool of pools.values()) void pool.destroy();
  });
  return server;
}

function countHostHeaders(raw: string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') count += 1;
  return count;
}

function reply(res: ServerResponse, err: TenantryError, retryAfter?: number): void {
  const body = JSON.stringify(err.toJSON());
  res.writeHead(err.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}),
  });
  res.end(body);
}
