/** @module Loopback ports leased to workloads, stable across restarts of the platform. */
import { createServer } from 'node:net';

export type Leases = Record<string, Record<string, number>>;

export class PortLeases {
  private next: number;

  constructor(
    private readonly leases: Leases,
    private readonly range: { first: number; last: number },
  ) {
    this.next = range.first;
  }

  /** The ports of `owner`, one per name; new names get a free port from the range. */
  async lease(owner: string, names: string[]): Promise<Record<string, number>> {
    const owned = (this.leases[owner] ??= {});
    for (const name of names) {
      if (owned[name] === undefined) owned[name] = await this.freePort();
    }
    return Object.fromEntries(names.map((n) => [n, owned[n]!]));
  }

  release(owner: string): void {
    delete this.leases[owner];
  }

  private async freePort(): Promise<number> {
    const taken = new Set(Object.values(this.leases).flatMap((owned) => Object.values(owned)));
    const size = this.range.last - this.range.first + 1;
    for (let i = 0; i < size; i += 1) {
      const port = this.next;
      this.next = port >= this.range.last ? this.range.first : port + 1;
      if (!taken.has(port) && (await canListen(port))) return port;
    }
    throw new Error(`no free port left in ${this.range.first}-${this.range.last}; widen TENANTRY_PORTS`);
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
