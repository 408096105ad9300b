/**
 * @module Tenant health for operators: every ready tenant probed through the same entry its users
 * take (the gateway or ingress), a few at a time, in the background; the API shows the last result.
 */
import { errorMessage } from '@tenantry/core';
import type { TenantCatalog } from '../catalog/tenant-catalog.js';

export interface TenantHealth {
  ok: boolean;
  checkedAt: string;
  /** e.g. "HTTP 200 in 12 ms" or why the probe failed. */
  detail: string;
}

/** Answers how a tenant's pod responds; throws or returns ok:false when it does not. */
export type TenantProbe = (slug: string) => Promise<{ ok: boolean; detail: string }>;

export class TenantHealthMonitor {
  private readonly results = new Map<string, TenantHealth>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly catalog: TenantCatalog,
    private readonly probe: TenantProbe,
    /** @defaultValue 5000 */
    private readonly intervalMs = 5_000,
    /** @defaultValue 8 */
    private readonly concurrency = 8,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.checkAll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  get(slug: string): TenantHealth | null {
    return this.results.get(slug) ?? null;
  }

  async checkAll(): Promise<void> {
    const slugs = (await this.catalog.list(['ready']).catch(() => [])).map((t) => t.slug);
    for (const slug of this.results.keys()) if (!slugs.includes(slug)) this.results.delete(slug);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(this.concurrency, slugs.length) }, async () => {
        while (next < slugs.length) {
          const slug = slugs[next++]!;
          const result = await this.probe(slug).catch((err: unknown) => ({ ok: false, detail: errorMessage(err) }));
          this.results.set(slug, { ...result, checkedAt: new Date().toISOString() });
        }
      }),
    );
  }
}
