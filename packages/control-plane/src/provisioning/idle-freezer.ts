/**
 * @module Idle freezing: a ready tenant that has had no real request for its tier's idle time gets
 * `state: frozen` in its spec, and the reconciler freezes it. Traffic is what the platform's record of
 * requests holds (the gateway's locally, the analytics pipeline's on Kubernetes), probes not counted; a
 * tier without an idle time is never frozen by itself.
 */
import { errorMessage, type Logger, type Tier } from '@tenantry/core';
import type { TenantCatalog, TenantRecord } from '../catalog/tenant-catalog.js';
import type { ProvisioningQueue } from './queue.js';

/** Where the platform knows its tenants' real requests from. */
export interface TrafficRecord {
  /**
   * The last real request of each of `tenants` at or after `from` (absent: none), and since when the record
   * holds every request. Throws when it cannot tell (then no tenant is frozen).
   */
  lastRequests(tenants: readonly string[], from: Date): Promise<{ since: Date; requests: ReadonlyMap<string, Date> }>;
}

export interface IdleFreezerOptions {
  catalog: Pick<TenantCatalog, 'list' | 'updateSpec'>;
  queue: Pick<ProvisioningQueue, 'enqueue'>;
  traffic: TrafficRecord;
  /** Idle time after which a tenant of each tier is frozen; absent: never. */
  freezeAfterMs: Partial<Record<Tier, number>>;
  log: Logger;
}

export class IdleFreezer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly options: IdleFreezerOptions) {}

  /** Sweeps every `everyMs` (by default a quarter of the shortest idle time, at most a minute). */
  start(everyMs = Math.min(60_000, ...Object.values(this.options.freezeAfterMs).map((ms) => Math.max(250, Math.floor(ms / 4))))): void {
    if (Object.keys(this.options.freezeAfterMs).length === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((err: unknown) => this.options.log.warn({ err: errorMessage(err) }, 'idle freezing: sweep failed'))
        .finally(() => (this.running = undefined));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Freezes every ready tenant idle for longer than its tier allows; returns their slugs. */
  async sweep(now = Date.now()): Promise<string[]> {
    // Only tenants idle that long were it not for their requests are looked up in the record.
    const candidates = (await this.options.catalog.list(['ready'])).flatMap((tenant) => {
      const after = this.options.freezeAfterMs[tenant.tier];
      if (after === undefined || tenant.spec.state !== 'active' || now - activeAt(tenant, 0) < after) return [];
      return [{ tenant, after }];
    });
    if (candidates.length === 0) return [];
    const from = new Date(now - Math.max(...candidates.map((c) => c.after)));
    const { since, requests } = await this.options.traffic.lastRequests(
      candidates.map((c) => c.tenant.slug),
      from,
    );
    const frozen: string[] = [];
    for (const { tenant, after } of candidates) {
      const idleMs = now - activeAt(tenant, since.getTime(), requests.get(tenant.slug));
      if (idleMs < after) continue;
      const changed = await this.options.catalog.updateSpec(tenant.slug, { state: 'frozen' });
      if (!changed) continue;
      await this.options.queue.enqueue(tenant.slug, 'reconcile');
      this.options.log.info({ tenant: tenant.slug, idleMs }, 'idle: freezing');
      frozen.push(tenant.slug);
    }
    return frozen;
  }
}

/** When the tenant was last active: its last request, or when it last became ready or woke, or when traffic began to be recorded (`since`, ms). */
function activeAt(tenant: TenantRecord, since: number, lastRequest?: Date): number {
  const woken = tenant.conditions.find((c) => c.type === 'Frozen' && c.status === 'False')?.lastTransitionTime;
  return Math.max(since, lastRequest?.getTime() ?? 0, Date.parse(tenant.readyAt ?? tenant.createdAt), woken ? Date.parse(woken) : 0);
}
