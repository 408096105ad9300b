/** @module The gateway's HTTP server: routes by Host alone and proxies over keep-alive connections. */
import { Agent, createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
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
  /** Keep-alive sockets kept open per upstream program. @defaultValue 128 */
  maxIdleSocketsPerUpstream?: number;
}

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus client-set forwarding headers. */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix',
  'x-forwarded-server', 'x-real-ip', 'x-original-host', 'x-host', 'x-original-url', 'x-rewrite-url',
]);
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function createGatewayServer(options: GatewayOptions): Server {
  const { routes, log } = options;
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 60_000;
  const agents = new Map<number, Agent>();
  const agentFor = (port: number): Agent => {
    let agent = agents.get(port);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxFreeSockets: options.maxIdleSocketsPerUpstream ?? 128, scheduling: 'lifo' });
      agents.set(port, agent);
    }
    return agent;
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

    const headers: OutgoingHttpHeaders = {};
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (DROPPED_REQUEST_HEADERS.has(name)) continue;
      const existing = headers[name];
      headers[name] = existing === undefined ? raw[i + 1]! : `${String(existing)}, ${raw[i + 1]!}`;
    }
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    headers['x-forwarded-host'] = rawHost;
    headers['x-forwarded-proto'] = 'http';

    const upstreamReq = request({
      host: '127.0.0.1',
      port: upstream.port,
      method: req.method,
      path: url,
      headers,
      agent: agentFor(upstream.port),
    });
    upstreamReq.setTimeout(upstreamTimeoutMs, () => upstreamReq.destroy(Object.assign(new Error('upstream timeout'), { code: 'UPSTREAM_TIMEOUT' })));
    upstreamReq.on('response', (upstreamRes: IncomingMessage) => {
      const responseHeaders: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) responseHeaders[name] = value;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, responseHeaders);
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err.code === 'UPSTREAM_TIMEOUT') return failure(GatewayErrors.upstreamTimeout(route.tenant));
      log.warn({ tenant: route.tenant, port: upstream.port, err: err.message }, 'upstream unavailable');
      failure(GatewayErrors.upstreamUnavailable(route.tenant), 1);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('close', () => {
    for (const agent of agents.values()) agent.destroy();
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
