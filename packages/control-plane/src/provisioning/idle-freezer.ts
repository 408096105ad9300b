/**
 * @module Idle freezing: a ready tenant that has had no real request for its tier's idle time gets
 * `state: frozen` in its spec, and the reconciler freezes it. Traffic is what the platform's entry
 * (the gateway) saw, probes not counted; a tier without an idle time is never frozen by itself.
 */
import { errorMessage, type Logger, type Tier } from '@tenantry/core';
import type { TenantCatalog, TenantRecord } from '../catalog/tenant-catalog.js';
import type { ProvisioningQueue } from './queue.js';

export interface IdleFreezerOptions {
  catalog: Pick<TenantCatalog, 'list' | 'updateSpec'>;
  queue: Pick<ProvisioningQueue, 'enqueue'>;
  /**
   * Each tenant's last real request, as the platform's entry saw it, and since when it has seen every
   * request (kept across restarts); a tenant absent has had none since then.
   */
  lastRequests: () => Promise<{ since: Date; requests: ReadonlyMap<string, Date> }>;
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
    const [tenants, { since, requests }] = await Promise.all([this.options.catalog.list(['ready']), this.options.lastRequests()]);
    const frozen: string[] = [];
    for (const tenant of tenants) {
      const after = this.options.freezeAfterMs[tenant.tier];
      if (after === undefined || tenant.spec.state !== 'active') continue;
      const idleMs = now - activeAt(tenant, since, requests.get(tenant.slug));
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

/** When the tenant was last active: its last request, or when it last became ready or woke, or when traffic began to be recorded. */
function activeAt(tenant: TenantRecord, since: Date, lastRequest: Date | undefined): number {
  const woken = tenant.conditions.find((c) => c.type === 'Frozen' && c.status === 'False')?.lastTransitionTime;
  return Math.max(since.getTime(), lastRequest?.getTime() ?? 0, Date.parse(tenant.readyAt ?? tenant.createdAt), woken ? Date.parse(woken) : 0);
}
