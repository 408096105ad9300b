/** @module The gateway's complete HTTP path (node:http server, undici client pools). */
import { Transform, pipeline } from 'node:stream';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { TenantryError, type Logger } from '@tenantry/core';
import { GatewayErrors } from './errors.js';
import { decide, DROPPED_RESPONSE_HEADERS, isDroppedRequestHeader, refusalBody, type BodyTimeouts, type ProgramReadiness } from './decision.js';
import type { TenantActivity } from './activity.js';
import { upstreamAuthority, type Route, type RouteTable, type Upstream } from './route-table.js';
import { DEFAULT_STARTING_PAGE_AFTER_MS, DEFAULT_WAKE_TIMEOUT_MS, startingPage, WakeError, type Waker } from './waker.js';

export interface CompletePathOptions {
  routes: RouteTable;
  log: Logger;
  /** Time for a whole request to arrive from the client. @defaultValue 300000 */
  requestTimeoutMs?: number;
  /** Idle time allowed on the upstream connection before answering 504. @defaultValue 60000 */
  upstreamTimeoutMs?: number;
  /** Keep-alive connections at most per upstream program. @defaultValue 128 */
  maxConnectionsPerUpstream?: number;
  /** Deadlines for a request body to arrive (node:http's requestTimeout does not watch connections handed over by the fast path). */
  body: BodyTimeouts;
  /** Wakes frozen tenants; without it a frozen tenant's requests are answered 503. */
  waker?: Waker;
  /** Where each tenant's last real request is recorded. */
  activity?: TenantActivity | undefined;
  /**
   * Whether the programs on this machine serve yet; a request for one that does not is held until it does, as
   * long as a wake may take (the waker's bound, else 15 s), then answered 503 with Retry-After.
   */
  programs?: ProgramReadiness | undefined;
}

/** The header on every response that had to wake its tenant first: how long the wake took (ms). */
export const WAKE_HEADER = 'x-tenantry-wake-ms';

/** Errors that mean the tenant's program is not listening (restarting): answered 503 with Retry-After. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The gateway's complete HTTP path, on node:http and undici: every request the fast path does not
 * take (other HTTP versions, chunked or expect-continue uploads, upgrades, anything unusual) is
 * served here, with full HTTP semantics.
 */
export function createCompletePathServer(options: CompletePathOptions): Server {
  const { routes, log } = options;
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 60_000;
  // undici's pooled client: about 2.5 times the throughput of node:http's client for a proxy (docs/benchmarks.md).
  const pools = new Map<string, Pool>();
  const poolFor = (upstream: Upstream): Pool => {
    const authority = upstreamAuthority(upstream);
    let pool = pools.get(authority);
    if (!pool) {
      pool = new Pool(`http://${authority}`, {
        connections: options.maxConnectionsPerUpstream ?? 128,
        headersTimeout: upstreamTimeoutMs,
        bodyTimeout: upstreamTimeoutMs,
        keepAliveTimeout: 4000,
      });
      pools.set(authority, pool);
    }
    return pool;
  };

  /**
   * Holds a request until `ready` resolves (a frozen tenant woken, a program started), then serves it; a
   * browser waiting too long gets a page that reloads itself.
   */
  const hold = (req: IncomingMessage, res: ServerResponse, route: Route, ready: Promise<number | undefined>, failed: (err: unknown) => TenantryError): void => {
    let answered = false;
    const page = isPageRequest(req)
      ? setTimeout(() => {
          answered = true;
          res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'retry-after': '1', 'cache-control': 'no-store' });
          res.end(startingPage(route.tenant));
        }, options.waker?.startingPageAfterMs ?? DEFAULT_STARTING_PAGE_AFTER_MS)
      : undefined;
    // A client that gives up stops its own wait; the wake (or start) goes on for the others.
    res.once('close', () => clearTimeout(page));
    ready.then(
      (wokenInMs) => {
        clearTimeout(page);
        if (!answered && !res.destroyed) serve(req, res, wokenInMs);
      },
      (err: unknown) => {
        clearTimeout(page);
        if (!answered && !res.destroyed) reply(res, failed(err), 1);
      },
    );
  };

  /** A frozen tenant's request, held while the tenant wakes. */
  const wakeThenServe = (req: IncomingMessage, res: ServerResponse, route: Route): void => {
    const { waker } = options;
    if (!waker) return reply(res, GatewayErrors.notReady(route.tenant), 2);
    hold(req, res, route, waker.wake(route), (err) => {
      if (err instanceof WakeError) return err.error;
      log.error({ tenant: route.tenant, err: String(err) }, 'waking failed');
      return GatewayErrors.wakeFailed(route.tenant, 'unexpected error');
    });
  };

  /** A request for a program still starting, held until it serves or the hold's deadline. */
  const holdTimeoutMs = options.waker?.timeoutMs ?? DEFAULT_WAKE_TIMEOUT_MS;
  const startThenServe = (req: IncomingMessage, res: ServerResponse, route: Route, serving: Promise<void>, wokenInMs: number | undefined): void => {
    let deadline: NodeJS.Timeout | undefined;
    const started = Promise.race([
      serving.then(() => wokenInMs),
      new Promise<never>((_, reject) => (deadline = setTimeout(() => reject(GatewayErrors.programStarting(route.tenant, holdTimeoutMs)), holdTimeoutMs))),
    ]).finally(() => clearTimeout(deadline));
    hold(req, res, route, started, (err) => (err instanceof TenantryError ? err : GatewayErrors.upstreamUnavailable(route.tenant)));
  };

  const serve = (req: IncomingMessage, res: ServerResponse, wokenInMs?: number): void => {
    const url = req.url ?? '/';
    const decision = decide(routes, url, hostHeaders(req.rawHeaders), options.programs);
    if (decision.kind === 'refuse') return reply(res, decision.error, decision.retryAfter);
    if (decision.kind === 'hold') return startThenServe(req, res, decision.route, decision.serving, wokenInMs);
    // Frozen again meanwhile: answered rather than held once more.
    if (decision.kind === 'wake')
      return wokenInMs === undefined ? wakeThenServe(req, res, decision.route) : reply(res, GatewayErrors.notReady(decision.route.tenant), 1);
    const { route, upstream } = decision;
    options.activity?.record(route.tenant, url);
    const failure = (err: TenantryError, retryAfter?: number) => reply(res, err, retryAfter);
    const rawHost = req.headers.host!;

    const headers: string[] = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (!isDroppedRequestHeader(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
    }
    headers.push('x-forwarded-for', req.socket.remoteAddress ?? '', 'x-forwarded-host', rawHost, 'x-forwarded-proto', 'http');
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;

    const abort = new AbortController();
    let timedOut = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let totalTimer: NodeJS.Timeout | undefined;
    let body: Transform | null = null;
    const clearBodyTimers = () => {
      clearTimeout(idleTimer);
      clearTimeout(totalTimer);
    };
    if (hasBody) {
      const onBodyTimeout = () => {
        clearBodyTimers();
        timedOut = true;
        if (res.headersSent) res.destroy();
        else {
          res.setHeader('connection', 'close');
          reply(res, GatewayErrors.bodyTimeout());
        }
        abort.abort();
      };
      idleTimer = setTimeout(onBodyTimeout, options.body.idleMs);
      totalTimer = setTimeout(onBodyTimeout, options.body.totalMs);
      // A 'data' listener on req would start the flow before undici reads it: the body passes through a watcher instead.
      body = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          idleTimer!.refresh();
          done(null, chunk);
        },
      });
      pipeline(req, body, (err) => {
        if (err && !timedOut) log.debug({ tenant: route.tenant, err: err.message }, 'request body ended early');
      });
      req.once('end', clearBodyTimers);
    }
    res.on('close', () => {
      clearBodyTimers();
      if (!res.writableFinished) abort.abort();
    });
    poolFor(upstream).stream(
      { path: url, method: req.method as Dispatcher.HttpMethod, headers, body, signal: abort.signal },
      ({ statusCode, headers: upstreamHeaders }) => {
        const responseHeaders: OutgoingHttpHeaders = {};
        for (const name in upstreamHeaders) {
          // node:http frames the body itself, so the upstream's transfer-encoding is not passed on.
          if (!DROPPED_RESPONSE_HEADERS.has(name) && name !== 'transfer-encoding') responseHeaders[name] = upstreamHeaders[name];
        }
        if (wokenInMs !== undefined) responseHeaders[WAKE_HEADER] = String(wokenInMs);
        res.writeHead(statusCode, responseHeaders);
        return res;
      },
      (err: (Error & { code?: string }) | null) => {
        if (!err || timedOut) return;
        if (res.headersSent || abort.signal.aborted) {
          res.destroy();
          return;
        }
        if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') return failure(GatewayErrors.upstreamTimeout(route.tenant));
        if (UNAVAILABLE_CODES.has(err.code ?? '')) {
          log.warn({ tenant: route.tenant, upstream: upstreamAuthority(upstream), err: err.message }, 'upstream unavailable');
          return failure(GatewayErrors.upstreamUnavailable(route.tenant), 1);
        }
        log.error({ tenant: route.tenant, upstream: upstreamAuthority(upstream), err: err.message, code: err.code }, 'proxying failed');
        failure(GatewayErrors.badGateway(route.tenant));
      },
    );
  };

  const server = createServer({ requestTimeout: options.requestTimeoutMs ?? 300_000, headersTimeout: 30_000, keepAliveTimeout: 65_000 }, (req, res) =>
    serve(req, res),
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('close', () => {
    for (const pool of pools.values()) void pool.destroy();
  });
  return server;
}

/** A browser navigating to a page (GET or HEAD asking for HTML), not an API client. */
function isPageRequest(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && /\btext\/html\b/.test(req.headers.accept ?? '');
}

function hostHeaders(raw: string[]): string[] {
  const hosts: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts.push(raw[i + 1]!);
  return hosts;
}

function reply(res: ServerResponse, err: TenantryError, retryAfter?: number): void {
  const body = refusalBody(err);
  res.writeHead(err.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}),
  });
  res.end(body);
}
