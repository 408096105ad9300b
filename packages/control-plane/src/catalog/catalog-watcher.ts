/** @module Announcements of changed tenants: the catalog's LISTEN connection, shared by every live view. */
import pg from 'pg';

/** The channel the catalog's triggers notify with a changed tenant's slug (migration 1). */
const CHANNEL = 'tenantry_tenants';

export class CatalogWatcher {
  private listener: pg.Client | undefined;
  private readonly watchers = new Set<(slug: string) => void>();

  constructor(private readonly databaseUrl: string | undefined) {}

  /** Calls `onChange` with the slug of every tenant that changes; returns the unsubscribe. */
  async watch(onChange: (slug: string) => void): Promise<() => void> {
    if (!this.listener) {
      const client = new pg.Client({ connectionString: this.databaseUrl });
      client.on('notification', (message) => {
        for (const watcher of this.watchers) watcher(message.payload ?? '');
      });
      client.on('error', () => {
        // Lost the connection: live views fall back to their periodic refresh; the next watch reconnects.
        if (this.listener === client) this.listener = undefined;
      });
      this.listener = client;
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
      } catch (err) {
        // The next watch tries again; until then live views refresh on their timer.
        this.listener = undefined;
        await client.end().catch(() => undefined);
        throw err;
      }
    }
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }

  async close(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }
}
