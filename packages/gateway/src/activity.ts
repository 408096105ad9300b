/**
 * @module The last real request to each tenant, as the gateway sees it: what idle freezing goes by.
 * Requests for the probe paths (health checks, the dashboard's probes) are not activity, by the same
 * rule analytics meters traffic with, so probing a tenant never keeps it awake.
 */
import { isMetered } from '@tenantry/core';

/** What the gateway knows of traffic: since when it has seen every request, and each tenant's last real one (ISO times). */
export interface ActivityRecord {
  since: string;
  tenants: Record<string, string>;
}

export class TenantActivity {
  private readonly last = new Map<string, number>();
  private since = Date.now();
  private changes = 0;

  /** Records a request to `tenant` for `target` (a path, with its query), unless it is a probe's. */
  record(tenant: string, target: string): void {
    if (!isMetered(target)) return;
    this.last.set(tenant, Date.now());
    this.changes += 1;
  }

  /** Grows with every change to the record: a copy saved at one value is current while it stays. */
  get version(): number {
    return this.changes;
  }

  /** When the tenant last got a real request through this gateway (ms since the epoch), if it did since it started. */
  lastRequestAt(tenant: string): number | undefined {
    return this.last.get(tenant);
  }

  /** Since when every request was seen, and every tenant's last real one. */
  snapshot(): ActivityRecord {
    return {
      since: new Date(this.since).toISOString(),
      tenants: Object.fromEntries([...this.last].map(([tenant, at]) => [tenant, new Date(at).toISOString()])),
    };
  }

  /**
   * Takes back what an earlier run saw, so a restart does not make every tenant look freshly used:
   * nothing reached a tenant while the platform was down, so the record goes on from its old start.
   */
  restore(saved: ActivityRecord): void {
    const since = Date.parse(saved.since);
    if (Number.isFinite(since)) this.since = Math.min(this.since, since);
    for (const [tenant, iso] of Object.entries(saved.tenants)) {
      const at = Date.parse(iso);
      if (Number.isFinite(at) && at > (this.last.get(tenant) ?? 0)) this.last.set(tenant, at);
    }
    this.changes += 1;
  }

  /** Forgets a tenant (deleted). */
  forget(tenant: string): void {
    this.last.delete(tenant);
    this.changes += 1;
  }
}
