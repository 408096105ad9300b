/** @module Chooses the database driver by tier: dedicated instance for production, shared server for trial. */
import type { DatabaseDriver, DatabaseGrant, ProgressReporter, TenantRef } from '@tenantry/control-plane';
import type { Tier } from '@tenantry/core';

export class TierDatabase implements DatabaseDriver {
  constructor(private readonly byTier: Record<Tier, DatabaseDriver>) {}

  create(tenant: TenantRef, progress: ProgressReporter) {
    return this.byTier[tenant.tier].create(tenant, progress);
  }

  remove(tenant: TenantRef, progress: ProgressReporter) {
    return this.byTier[tenant.tier].remove(tenant, progress);
  }

  observe(tenant: TenantRef, grant: DatabaseGrant) {
    return this.byTier[tenant.tier].observe(tenant, grant);
  }

  async suspend(tenant: TenantRef): Promise<void> {
    await this.byTier[tenant.tier].suspend?.(tenant);
  }

  async resume(tenant: TenantRef): Promise<void> {
    await this.byTier[tenant.tier].resume?.(tenant);
  }
}
