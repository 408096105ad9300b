/**
 * @module The last real request to each tenant, as the gateway sees it: what idle freezing goes by.
 * Requests for the probe paths (health checks, the dashboard's probes) are not activity, by the same
 * rule analytics meters traffic with, so probing a tenant never keeps it awake.
 */
import { isMetered } from '@tenantry/core';

export class TenantActivity {
  private readonly last = new Map<string, number>();

  /** Records a request to `tenant` for `target` (a path, with its query), unless it is a probe's. */
  record(tenant: string, target: string): void {
    if (!isMetered(target)) return;
    this.last.set(tenant, Date.now());
  }

  /** When the tenant last got a real request through this gateway (ms since the epoch), if it did since it started. */
  lastRequestAt(tenant: string): number | undefined {
    return this.last.get(tenant);
  }

  /** Every tenant's last real request, as ISO times. */
  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.last].map(([tenant, at]) => [tenant, new Date(at).toISOString()]));
  }
}
