/** @module The gateway: one listening socket, the fast path first, the complete path for everything else. */
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import type { Logger } from '@tenantry/core';
import { createCompletePathServer } from './complete-path.js';
import { FastPathConnection, UpstreamSockets } from './fast-path.js';
import { refusalBody, type BodyTimeouts, type ProgramReadiness } from './decision.js';
import { GatewayErrors } from './errors.js';
import type { RouteTable } from './route-table.js';
import { Waker, type WakeOptions } from './waker.js';
import type { TenantActivity } from './activity.js';

export interface GatewayOptions {
  routes: RouteTable;
  log: Logger;
  /** Time for a whole request to arrive on the complete path. @defaultValue 300000 */
  requestTimeoutMs?: number;
  /** Time for a tenant's program to answer, and between its bytes. @defaultValue 60000 */
  upstreamTimeoutMs?: number;
  /** Longest pause between two bytes of a request body, on both paths (then 408). @defaultValue 30000 */
  bodyIdleTimeoutMs?: number;
  /** Time for a whole request body to arrive, on both paths (then 408). @defaultValue 300000 */
  bodyTimeoutMs?: number;
  /** Once the gateway has closed its side, time left to the client to close its own before the socket is destroyed. @defaultValue 5000 */
  halfClosedTimeoutMs?: number;
  /** Open connections at most per client address; more are answered 429 and closed. @defaultValue 256 */
  maxConnectionsPerClient?: number;
  /** How frozen tenants are woken by their first request; without it their requests are answered 503. */
  wake?: WakeOptions;
  /** Where each tenant's last real request is recorded (what idle freezing goes by). */
  activity?: TenantActivity;
  /** Whether the programs on this machine serve yet: a request for one still starting is held until it does. */
  programs?: ProgramReadiness;
}

const TOO_MANY_CONNECTIONS = (() => {
  const body = refusalBody(GatewayErrors.tooManyConnections());
  return `HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
})();

export class Gateway {
  private readonly tcp: TcpServer;
  private readonly sockets = new Set<Socket>();
  private readonly upstreams = new UpstreamSockets();
  private readonly perClient = new Map<string, number>();
  /** Wakes frozen tenants (when the gateway was given how); its stats count the wakes and their durations. */
  readonly waker: Waker | undefined;

  constructor(options: GatewayOptions) {
    const body: BodyTimeouts = { idleMs: options.bodyIdleTimeoutMs ?? 30_000, totalMs: options.bodyTimeoutMs ?? 300_000 };
    const halfClosedMs = options.halfClosedTimeoutMs ?? 5_000;
    const maxPerClient = options.maxConnectionsPerClient ?? 256;
    this.waker = options.wake ? new Waker(options.routes, options.wake) : undefined;
    const complete = createCompletePathServer({ ...options, body, ...(this.waker ? { waker: this.waker } : {}) });
    const fastOptions = {
      routes: options.routes,
      log: options.log,
      body,
      ...(options.upstreamTimeoutMs ? { upstreamTimeoutMs: options.upstreamTimeoutMs } : {}),
      activity: options.activity,
      programs: options.programs,
      handOver: (socket: Socket, unread: Buffer) => {
        socket.pause();
        if (unread.length > 0) socket.unshift(unread);
        complete.emit('connection', socket);
        socket.resume();
      },
    };
    this.tcp = createTcpServer({ noDelay: true }, (socket) => {
      this.sockets.add(socket);
      const client = socket.remoteAddress ?? '';
      const open = (this.perClient.get(client) ?? 0) + 1;
      this.perClient.set(client, open);
      let halfClosed: NodeJS.Timeout | undefined;
      socket.once('close', () => {
        this.sockets.delete(socket);
        clearTimeout(halfClosed);
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left === 0) this.perClient.delete(client);
        else this.perClient.set(client, left);
      });
      // Whichever path closed its side, a client that never closes its own must not keep the socket (FIN-WAIT-2) for ever.
      socket.once('finish', () => {
        halfClosed = setTimeout(() => socket.destroy(), halfClosedMs);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') options.log.debug({ client, err: err.message }, 'client connection failed');
      });
      if (open > maxPerClient) {
        options.log.warn({ client, open, max: maxPerClient }, 'client over its connection limit: refused');
        socket.end(TOO_MANY_CONNECTIONS);
        return;
      }
      new FastPathConnection(socket, this.upstreams, fastOptions);
    });
    this.complete = complete;
  }

  private readonly complete: ReturnType<typeof createCompletePathServer>;

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(port, host, () => {
        this.tcp.off('error', reject);
        resolve();
      });
    });
  }

  /** Client connections open now (refused ones included until they close). */
  get openConnections(): number {
    return this.sockets.size;
  }

  get port(): number {
    return (this.tcp.address() as AddressInfo).port;
  }

  /** Stops accepting, closes every client connection and every pooled upstream socket. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.tcp.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.upstreams.destroy();
      this.complete.close();
    });
  }
}
