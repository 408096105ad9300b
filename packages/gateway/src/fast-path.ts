/**
 * @module The gateway's fast path: plain HTTP/1.1 requests proxied over raw keep-alive sockets.
 *
 * node:http builds request and response objects on both sides of a proxy, which costs more than the
 * tenant's own handler; here the gateway reads only the request head (to route by Host and rewrite
 * the forwarding headers) and the response head (to find where the response ends), and passes body
 * bytes through untouched. Requests it does not fully understand go to the complete path.
 */
import { STATUS_CODES } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Logger, TenantryError } from '@tenantry/core';
import type { TenantActivity } from './activity.js';
import { decide, refusalBody, type BodyTimeouts, type ProgramReadiness } from './decision.js';
import { GatewayErrors } from './errors.js';
import { readRequestHead, type RequestHead } from './request-head.js';
import { FramingError, ResponseFramer } from './response-framer.js';
import { upstreamAuthority, type RouteTable, type Upstream } from './route-table.js';

const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

export interface FastPathOptions {
  routes: RouteTable;
  log: Logger;
  /** Serves a connection from its current position when the fast path cannot. */
  handOver: (socket: Socket, unread: Buffer) => void;
  /** Largest request head read by the fast path; larger ones go to the complete path. @defaultValue 16384 */
  maxHeadBytes?: number;
  /** Time for a request head to arrive once it started. @defaultValue 30000 */
  headersTimeoutMs?: number;
  /** Idle keep-alive time of a client connection. @defaultValue 65000 */
  keepAliveTimeoutMs?: number;
  /** Time for the upstream to answer, and between its bytes. @defaultValue 60000 */
  upstreamTimeoutMs?: number;
  /** Where each tenant's last real request is recorded. */
  activity?: TenantActivity | undefined;
  /** Whether the programs on this machine serve yet. */
  programs?: ProgramReadiness | undefined;
  /** Deadlines for a request body to arrive. */
  body: BodyTimeouts;
}

/** What an upstream connection reports to the exchange that currently uses it. */
export interface UpstreamListener {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onFailure(): void;
  onTimeout(): void;
}

/**
 * One keep-alive socket to a tenant's program. Its listeners are attached once and dispatch to the
 * exchange using it, so reusing it costs no listener churn; bytes or a close while idle drop it.
 */
export class UpstreamConnection {
  listener: UpstreamListener | undefined;
  idle = false;

  /** Its upstream's `host:port`, the key of its idle pool. */
  readonly authority: string;

  constructor(
    readonly socket: Socket,
    readonly upstream: Pick<Upstream, 'host' | 'port'>,
    private readonly pool: UpstreamSockets,
  ) {
    this.authority = upstreamAuthority(upstream);
    socket.on('data', (chunk: Buffer) => (this.listener ? this.listener.onData(chunk) : this.destroy()));
    socket.on('end', () => (this.listener ? this.listener.onEnd() : this.destroy()));
    socket.on('error', () => (this.listener ? this.listener.onFailure() : this.destroy()));
    socket.on('close', () => (this.listener ? this.listener.onFailure() : this.destroy()));
    socket.on('timeout', () => this.listener?.onTimeout());
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.readyState === 'open';
  }

  destroy(): void {
    this.listener = undefined;
    this.pool.forget(this);
    this.socket.destroy();
  }
}

/** Idle keep-alive connections to the tenants' programs, by upstream address. */
export class UpstreamSockets {
  private readonly idle = new Map<string, UpstreamConnection[]>();

  constructor(private readonly maxIdlePerPort = 128) {}

  /** An idle connection to the upstream, or a new one; `reused` tells which. */
  acquire(
    upstream: Pick<Upstream, 'host' | 'port'>,
    done: (err: Error | undefined, connection: UpstreamConnection | undefined, reused: boolean) => void,
  ): void {
    const connections = this.idle.get(upstreamAuthority(upstream));
    while (connections && connections.length > 0) {
      const connection = connections.pop()!;
      connection.idle = false;
      if (connection.usable) return done(undefined, connection, true);
      connection.destroy();
    }
    const socket = connect({ port: upstream.port, host: upstream.host ?? '127.0.0.1', noDelay: true });
    const onError = (err: Error) => done(err, undefined, false);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      done(undefined, new UpstreamConnection(socket, upstream, this), false);
    });
  }

  release(connection: UpstreamConnection): void {
    connection.listener = undefined;
    connection.socket.setTimeout(0);
    let connections = this.idle.get(connection.authority);
    if (!connections) this.idle.set(connection.authority, (connections = []));
    if (connections.length >= this.maxIdlePerPort) return connection.destroy();
    connection.idle = true;
    connections.push(connection);
  }

  forget(connection: UpstreamConnection): void {
    if (!connection.idle) return;
    connection.idle = false;
    const connections = this.idle.get(connection.authority);
    const index = connections?.indexOf(connection) ?? -1;
    if (index !== -1) connections!.splice(index, 1);
  }

  destroy(): void {
    for (const connections of this.idle.values()) for (const connection of [...connections]) connection.destroy();
    this.idle.clear();
  }
}

/** One client connection on the fast path: requests are read and answered one after another. */
export class FastPathConnection {
  private unread: Buffer = EMPTY;
  private phase: 'head' | 'waiting' | 'body' | 'response' | 'done' = 'head';
  private bodyLeft = 0;
  private headTimer: NodeJS.Timeout | undefined;
  private bodyIdleTimer: NodeJS.Timeout | undefined;
  private bodyTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Socket,
    private readonly upstreams: UpstreamSockets,
    private readonly options: FastPathOptions,
  ) {
    client.setNoDelay(true);
    client.setTimeout(options.keepAliveTimeoutMs ?? 65_000);
    client.on('data', this.onData);
    client.on('timeout', this.onTimeout);
    client.on('error', this.onClientGone);
    client.on('close', this.onClientGone);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.phase === 'body') {
      const take = Math.min(this.bodyLeft, chunk.length);
      this.bodyLeft -= take;
      this.bodyIdleTimer?.refresh();
      this.exchange?.forwardBody(chunk.subarray(0, take));
      if (this.bodyLeft === 0) {
        this.phase = 'response';
        this.clearBodyTimers();
      }
      if (take === chunk.length) return;
      chunk = chunk.subarray(take);
    }
    this.unread = this.unread.length === 0 ? chunk : Buffer.concat([this.unread, chunk]);
    if (this.phase === 'head') this.next();
    // A pipelining client waits while the current response is on its way.
    else if (this.unread.length > (this.options.maxHeadBytes ?? 16_384)) this.client.pause();
  };

  private readonly onTimeout = (): void => {
    if (this.phase === 'head') this.client.destroy();
  };

  private exchange: Exchange | undefined;

  private readonly onClientGone = (): void => {
    this.phase = 'done';
    clearTimeout(this.headTimer);
    this.clearBodyTimers();
    this.exchange?.abandon();
    this.exchange = undefined;
  };

  /** Reads the next request head from what has arrived, then proxies or refuses it. */
  private next(): void {
    const limit = this.options.maxHeadBytes ?? 16_384;
    const end = this.unread.indexOf(HEAD_END);
    if (end === -1) {
      if (this.unread.length > limit) return this.handOver();
      if (this.unread.length > 0 && !this.headTimer) {
        this.headTimer = setTimeout(() => this.client.destroy(), this.options.headersTimeoutMs ?? 30_000);
      }
      return;
    }
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
    if (end > limit) return this.handOver();
    const request = readRequestHead(this.unread.toString('latin1', 0, end));
    if (!request) return this.handOver();
    const decision = decide(this.options.routes, request.target, request.hosts, this.options.programs);
    // A frozen tenant's request (or one for a program still starting), head and all, is held by the complete path.
    if (decision.kind === 'wake' || decision.kind === 'hold') return this.handOver();
    this.unread = this.unread.subarray(end + 4);
    if (decision.kind === 'refuse') {
      this.refuse(decision.error, decision.retryAfter, request.close || request.contentLength > 0);
      return;
    }
    this.options.activity?.record(decision.route.tenant, request.target);
    this.proxy(request, decision.upstream, decision.route.tenant, true);
  }

  private handOver(): void {
    clearTimeout(this.headTimer);
    this.phase = 'done';
    this.client.removeListener('data', this.onData);
    this.client.removeListener('timeout', this.onTimeout);
    this.client.removeListener('error', this.onClientGone);
    this.client.removeListener('close', this.onClientGone);
    this.client.setTimeout(0);
    this.options.handOver(this.client, this.unread);
    this.unread = EMPTY;
  }

  /** Answers the request itself; with a body still unread (or when asked) it closes the connection. */
  private refuse(error: TenantryError, retryAfter: number | undefined, close: boolean): void {
    const body = refusalBody(error);
    const head = [
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      ...(retryAfter ? [`retry-after: ${retryAfter}`] : []),
      ...(close ? ['connection: close'] : []),
    ];
    this.client.write(`${head.join('\r\n')}\r\n\r\n${body}`);
    if (close) {
      this.phase = 'done';
      this.client.end();
      return;
    }
    this.next();
  }

  private proxy(request: RequestHead, upstream: Upstream, tenant: string, mayRetry: boolean): void {
    this.phase = 'waiting';
    this.upstreams.acquire(upstream, (err, connection, reused) => {
      if (this.phase === 'done') {
        connection?.destroy();
        return;
      }
      if (err || !connection) return this.refuse(GatewayErrors.upstreamUnavailable(tenant), 1, true);
      this.exchange = new Exchange({
        owner: this,
        client: this.client,
        request,
        tenant,
        upstream: connection,
        pool: this.upstreams,
        log: this.options.log,
        timeoutMs: this.options.upstreamTimeoutMs ?? 60_000,
        retryOnFailure: mayRetry && reused && request.contentLength === 0,
      });
      this.exchange.start(this.takeBody(request.contentLength));
    });
  }

  /** The part of the request body already received; the rest is forwarded as it arrives. */
  private takeBody(contentLength: number): Buffer {
    const inHand = Math.min(contentLength, this.unread.length);
    const part = this.unread.subarray(0, inHand);
    this.unread = this.unread.subarray(inHand);
    this.bodyLeft = contentLength - inHand;
    this.phase = this.bodyLeft > 0 ? 'body' : 'response';
    if (this.phase === 'body') {
      this.bodyIdleTimer = setTimeout(this.onBodyTimeout, this.options.body.idleMs);
      this.bodyTimer = setTimeout(this.onBodyTimeout, this.options.body.totalMs);
      this.client.resume();
    }
    return part;
  }

  private clearBodyTimers(): void {
    clearTimeout(this.bodyIdleTimer);
    clearTimeout(this.bodyTimer);
    this.bodyIdleTimer = this.bodyTimer = undefined;
  }

  /** The body stalled or is too slow: the upstream exchange is dropped, and the client told so if it has had no answer yet. */
  private readonly onBodyTimeout = (): void => {
    this.clearBodyTimers();
    if (this.phase !== 'body') return;
    const answered = this.exchange?.answered ?? false;
    this.exchange?.abandon();
    this.exchange = undefined;
    if (answered) {
      this.phase = 'done';
      this.client.destroy();
      return;
    }
    this.refuse(GatewayErrors.bodyTimeout(), undefined, true);
  };

  get bodyStillComing(): boolean {
    return this.phase === 'body';
  }

  /** The exchange is over: keep the connection for the next request, or close it. */
  finish(close: boolean): void {
    this.exchange = undefined;
    this.clearBodyTimers();
    if (this.phase === 'done') return;
    if (close || this.phase === 'body') {
      this.phase = 'done';
      this.client.end();
      return;
    }
    this.phase = 'head';
    this.client.resume();
    this.next();
  }

  /** The exchange failed: answer with `error` if nothing was sent yet, else cut the connection. */
  failed(error: TenantryError, retryAfter: number | undefined, sentToClient: boolean): void {
    this.exchange = undefined;
    this.clearBodyTimers();
    if (this.phase === 'done') return;
    if (sentToClient) {
      this.phase = 'done';
      this.client.destroy();
      return;
    }
    this.refuse(error, retryAfter, true);
  }

  retry(request: RequestHead, tenant: string, upstream: Pick<Upstream, 'host' | 'port'>): void {
    this.exchange = undefined;
    this.proxy(request, { prefix: '/', ...upstream }, tenant, false);
  }
}

interface ExchangeOptions {
  owner: FastPathConnection;
  client: Socket;
  request: RequestHead;
  tenant: string;
  upstream: UpstreamConnection;
  pool: UpstreamSockets;
  log: Logger;
  timeoutMs: number;
  /** Whether a failure before any response byte may be retried once on a fresh connection. */
  retryOnFailure: boolean;
}

/** One request and its response between a client connection and an upstream connection. */
class Exchange implements UpstreamListener {
  private readonly framer: ResponseFramer;
  private sentToClient = false;
  private finished = false;
  private readonly owner: FastPathConnection;
  private readonly client: Socket;
  private readonly request: RequestHead;
  private readonly tenant: string;
  private readonly upstream: UpstreamConnection;

  constructor(private readonly options: ExchangeOptions) {
    ({ owner: this.owner, client: this.client, request: this.request, tenant: this.tenant, upstream: this.upstream } = options);
    this.framer = new ResponseFramer(this.request.method === 'HEAD', this.request.close);
  }

  /** Sends the request head and the part of the body already received. */
  start(bodyPart: Buffer): void {
    const { request, upstream } = this;
    upstream.listener = this;
    upstream.socket.setTimeout(this.options.timeoutMs);
    const head = `${request.method} ${request.target} HTTP/1.1\r\n${request.forwarded.join('\r\n')}\r\nx-forwarded-for: ${this.client.remoteAddress ?? ''}\r\nx-forwarded-host: ${request.hosts[0]}\r\nx-forwarded-proto: http\r\n\r\n`;
    if (bodyPart.length > 0) upstream.socket.write(Buffer.concat([Buffer.from(head, 'latin1'), bodyPart]));
    else upstream.socket.write(head, 'latin1');
  }

  /** Whether any byte of the response has gone to the client. */
  get answered(): boolean {
    return this.sentToClient;
  }

  forwardBody(bytes: Buffer): void {
    if (this.finished) return;
    if (!this.upstream.socket.write(bytes)) {
      this.client.pause();
      this.upstream.socket.once('drain', () => this.client.resume());
    }
  }

  onData(chunk: Buffer): void {
    let parts: Buffer[];
    try {
      parts = this.framer.feed(chunk);
    } catch (err) {
      this.options.log.warn({ tenant: this.tenant, upstream: this.upstream.authority, err: (err as FramingError).message }, 'malformed upstream response');
      return this.fail(GatewayErrors.badGateway(this.tenant));
    }
    // The rewritten head and the body bytes that came with it leave in one write.
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    let flushed = true;
    if (bytes.length > 0) {
      this.sentToClient = true;
      flushed = this.client.write(bytes);
    }
    if (this.framer.done) return this.complete();
    if (!flushed) {
      this.upstream.socket.pause();
      this.client.once('drain', () => this.upstream.socket.resume());
    }
  }

  onEnd(): void {
    if (this.framer.endsWithConnection) return this.complete();
    this.onFailure();
  }

  onFailure(): void {
    if (this.finished) return;
    if (this.options.retryOnFailure && !this.sentToClient) {
      // A reused keep-alive connection the tenant had just closed: try once on a fresh one.
      this.finished = true;
      this.upstream.destroy();
      return this.owner.retry(this.request, this.tenant, this.upstream.upstream);
    }
    this.fail(GatewayErrors.upstreamUnavailable(this.tenant), 1);
  }

  onTimeout(): void {
    this.fail(GatewayErrors.upstreamTimeout(this.tenant));
  }

  /** The client went away: the upstream connection cannot be trusted any more. */
  abandon(): void {
    if (this.finished) return;
    this.finished = true;
    this.upstream.destroy();
  }

  private fail(error: TenantryError, retryAfter?: number): void {
    if (this.finished) return;
    this.finished = true;
    this.upstream.destroy();
    this.owner.failed(error, retryAfter, this.sentToClient);
  }

  private complete(): void {
    this.finished = true;
    if (this.framer.reusable && !this.owner.bodyStillComing) this.options.pool.release(this.upstream);
    else this.upstream.destroy();
    this.owner.finish(this.framer.closeClient);
  }
}
