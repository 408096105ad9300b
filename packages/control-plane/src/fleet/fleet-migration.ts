/**
 * @module The fleet migration: the tenant schema's migrations fanned out to every ready tenant's
 * database, a few at a time, each tenant retried with backoff, a failing tenant reported and passed.
 */
import { errorMessage } from '@tenantry/core';
import type { TenantCatalog } from '../catalog/tenant-catalog.js';
import type { TenantSchema } from '../drivers.js';

export interface FleetMigrationOptions {
  /** Tenant databases migrated at once. @defaultValue 4 */
  concurrency?: number;
  /** Tries per tenant before it is reported failed. @defaultValue 3 */
  attempts?: number;
  /** Wait before the first retry, doubled for each next one. @defaultValue 500 */
  backoffMs?: number;
  /** Called for each tenant's progress (for streaming to the caller). */
  onEvent?: (event: FleetMigrationEvent) => void;
}

export interface FleetMigrationEvent {
  tenant: string;
  state: 'migrating' | 'retrying' | 'migrated' | 'failed';
  attempt: number;
  version?: number;
  applied?: number[];
  error?: string;
}

export interface FleetMigrationSummary {
  targetVersion: number;
  tenants: number;
  migrated: number;
  failed: number;
  results: { tenant: string; ok: boolean; version: number | null; applied: number[]; attempts: number; error: string | null }[];
}

export async function migrateFleet(catalog: TenantCatalog, schema: TenantSchema, options: FleetMigrationOptions = {}): Promise<FleetMigrationSummary> {
  const { concurrency = 4, attempts = 3, backoffMs = 500, onEvent = () => undefined } = options;
  const tenants = (await catalog.list(['ready'])).map((t) => t.slug);
  const results: FleetMigrationSummary['results'] = [];
  let next = 0;

  const migrateOne = async (tenant: string) => {
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      onEvent({ tenant, state: attempt === 1 ? 'migrating' : 'retrying', attempt });
      try {
        const url = await catalog.databaseUrl(tenant);
        if (!url) throw new Error('the tenant has no database recorded');
        const { version, applied } = await schema.migrate(url);
        await catalog.status.setSchemaVersion(tenant, version);
        onEvent({ tenant, state: 'migrated', attempt, version, applied });
        results.push({ tenant, ok: true, version, applied, attempts: attempt, error: null });
        return;
      } catch (err) {
        lastError = errorMessage(err);
        if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
      }
    }
    await catalog.status.setSchemaVersion(tenant, null, lastError);
    onEvent({ tenant, state: 'failed', attempt: attempts, error: lastError });
    results.push({ tenant, ok: false, version: null, applied: [], attempts, error: lastError });
  };

  const lanes = Array.from({ length: Math.min(concurrency, tenants.length) }, async () => {
    while (next < tenants.length) await migrateOne(tenants[next++]!);
  });
  await Promise.all(lanes);
  results.sort((a, b) => a.tenant.localeCompare(b.tenant));
  const migrated = results.filter((r) => r.ok).length;
  return { targetVersion: schema.latestVersion, tenants: tenants.length, migrated, failed: tenants.length - migrated, results };
}
