/** @module The gateway: one listening socket, the fast path first, the complete path for everything else. */
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import type { Logger } from '@tenantry/core';
import { createCompletePathServer } from './complete-path.js';
import { FastPathConnection, UpstreamSockets } from './fast-path.js';
import type { RouteTable } from './route-table.js';

export interface GatewayOptions {
  routes: RouteTable;
  log: Logger;
  /** Time for a whole request to arrive on the complete path. @defaultValue 300000 */
  requestTimeoutMs?: number;
  /** Time for a tenant's program to answer, and between its bytes. @defaultValue 60000 */
  upstreamTimeoutMs?: number;
}

export class Gateway {
  private readonly tcp: TcpServer;
  private readonly sockets = new Set<Socket>();
  private readonly upstreams = new UpstreamSockets();

  constructor(options: GatewayOptions) {
    const complete = createCompletePathServer(options);
    const fastOptions = {
      routes: options.routes,
      log: options.log,
      ...(options.upstreamTimeoutMs ? { upstreamTimeoutMs: options.upstreamTimeoutMs } : {}),
      handOver: (socket: Socket, unread: Buffer) => {
        socket.pause();
        if (unread.length > 0) socket.unshift(unread);
        complete.emit('connection', socket);
        socket.resume();
      },
    };
    this.tcp = createTcpServer({ noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
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
