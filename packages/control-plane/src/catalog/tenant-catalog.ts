/**
 * @module The tenant catalog in the master database: every tenant's spec and status and each of its
 * steps. This class is what the API and the reconciler read and how the API changes a spec; status is
 * written through `status` (tenant-status.ts), progress through `logs` (step-logs.ts), changes are
 * announced through the watcher (catalog-watcher.ts), and the schema is the catalog's migrations.
 */
import pg from 'pg';
import type { Condition, TenantSpec, TenantState, TenantStatus, Tier } from '@tenantry/core';
import { ControlPlaneErrors } from '../errors.js';
import { CatalogWatcher } from './catalog-watcher.js';
import { migrateCatalog } from './catalog-schema.js';
import type { OutputSeal } from './output-seal.js';
import { inTransaction, iso } from './rows.js';
import { StepLogs } from './step-logs.js';
import { CatalogStatus, type StepState } from './tenant-status.js';

export interface StepRecord {
  name: string;
  state: StepState;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** The last line of the step's log (its progress, or an attempt starting or failing). */
  detail: string | null;
  error: string | null;
}

export interface TenantRecord {
  slug: string;
  /** The spec's name. */
  name: string;
  /** The spec's tier. */
  tier: Tier;
  /** What the operator wants: name, tier and state. */
  spec: TenantSpec;
  /** Counts changes to the spec (from 1). */
  generation: number;
  /** The phase. */
  status: TenantStatus;
  /** The generation the reconciler last converged (0 before it has). */
  observedGeneration: number;
  /** What the reconciler last observed of each resource, and of the whole. */
  conditions: Condition[];
  error: string | null;
  createdAt: string;
  updatedAt: string;
  readyAt: string | null;
  /** The tenant database's schema version, as last migrated (null before the first migration). */
  schemaVersion: number | null;
  /** The last fleet migration's failure for this tenant, if it failed. */
  schemaError: string | null;
  steps: StepRecord[];
}

/** A step's recorded state and output, and the spec it was applied for (null when applied by a version that did not record it). */
export interface StepOutput {
  state: StepState;
  output: unknown;
  spec: TenantSpec | null;
}

export interface NewTenant {
  slug: string;
  name: string;
  tier: Tier;
}

export class TenantCatalog {
  readonly pool: pg.Pool;
  /** How the reconciler writes status. */
  readonly status: CatalogStatus;
  /** Each step's log. */
  readonly logs: StepLogs;
  private readonly watcher: CatalogWatcher;

  /**
   * `seal` seals every step output written and opens those read; the master's programs always pass
   * one (made from the platform key). Without it outputs are stored as given: for tests only.
   */
  constructor(
    databaseUrl: string,
    poolSize = 10,
    private readonly seal?: OutputSeal,
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
    this.pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on next use.
    });
    this.status = new CatalogStatus(this.pool, seal);
    this.logs = new StepLogs(this.pool);
    this.watcher = new CatalogWatcher(databaseUrl);
  }

  /** Brings the catalog's schema to the latest version (see catalog-schema.ts). */
  async migrate(): Promise<void> {
    await migrateCatalog(this.pool, this.seal);
  }

  async close(): Promise<void> {
    await this.watcher.close();
    await this.pool.end();
  }

  /** Calls `onChange` with the slug of every tenant that changes; returns the unsubscribe. */
  watch(onChange: (slug: string) => void): Promise<() => void> {
    return this.watcher.watch(onChange);
  }

  /**
   * Records a new tenant with its steps pending. An existing tenant with the same slug, name and
   * tier is returned as is (created: false); one that differs is a conflict.
   */
  async create(tenant: NewTenant, stepNames: readonly string[]): Promise<{ tenant: TenantRecord; created: boolean }> {
    // The connection is let go before the read below: holding it while asking the pool again deadlocks a busy pool.
    const inserted = await inTransaction(this.pool, async (client) => {
      const result = await client.query(
        `INSERT INTO tenants (slug, name, tier, status) VALUES ($1, $2, $3, 'pending') ON CONFLICT (slug) DO NOTHING RETURNING slug`,
        [tenant.slug, tenant.name, tenant.tier],
      );
      if (result.rowCount !== 1) return false;
      await client.query(`INSERT INTO tenant_steps (slug, position, name) SELECT $1, ord, name FROM unnest($2::text[]) WITH ORDINALITY AS s(name, ord)`, [
        tenant.slug,
        stepNames,
      ]);
      return true;
    });
    const record = await this.get(tenant.slug);
    if (!record) throw ControlPlaneErrors.tenantBeingDeleted(tenant.slug);
    if (inserted) return { tenant: record, created: true };
    const differences = [...(record.name !== tenant.name ? ['name'] : []), ...(record.tier !== tenant.tier ? ['tier'] : [])];
    if (differences.length > 0) throw ControlPlaneErrors.tenantConflict(tenant.slug, differences);
    if (record.status === 'deprovisioning') throw ControlPlaneErrors.tenantBeingDeleted(tenant.slug);
    return { tenant: record, created: false };
  }

  async get(slug: string): Promise<TenantRecord | undefined> {
    const tenants = await this.query(`WHERE t.slug = $1`, [slug]);
    return tenants[0];
  }

  async list(statuses?: readonly TenantStatus[]): Promise<TenantRecord[]> {
    return statuses ? this.query(`WHERE t.status = ANY($1::text[])`, [statuses]) : this.query('', []);
  }

  private async query(where: string, params: unknown[]): Promise<TenantRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT t.*, COALESCE(json_agg(json_build_object(
          'name', s.name, 'state', s.state, 'attempts', s.attempts, 'startedAt', s.started_at, 'finishedAt', s.finished_at,
          'durationMs', (extract(epoch FROM s.finished_at - s.started_at) * 1000)::int, 'detail', s.detail, 'error', s.error
        ) ORDER BY s.position) FILTER (WHERE s.name IS NOT NULL), '[]') AS steps
       FROM tenants t LEFT JOIN tenant_steps s ON s.slug = t.slug ${where}
       GROUP BY t.slug ORDER BY t.created_at, t.slug`,
      params,
    );
    return rows.map((row) => ({
      slug: row.slug,
      name: row.name,
      tier: row.tier,
      spec: { name: row.name, tier: row.tier, state: row.state as TenantState },
      generation: Number(row.generation),
      status: row.status,
      observedGeneration: Number(row.observed_generation),
      conditions: row.conditions as Condition[],
      error: row.error,
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!,
      readyAt: iso(row.ready_at),
      schemaVersion: row.schema_version,
      schemaError: row.schema_error,
      steps: row.steps,
    }));
  }

  /** The tenant's phase alone (cheap: checked between provisioning steps). */
  async phase(slug: string): Promise<TenantStatus | undefined> {
    const { rows } = await this.pool.query<{ status: TenantStatus }>('SELECT status FROM tenants WHERE slug = $1', [slug]);
    return rows[0]?.status;
  }

  /** Starts a new attempt of a failed tenant: its failed and removed steps become pending again. */
  async retry(slug: string): Promise<void> {
    await this.pool.query(
      `WITH t AS (UPDATE tenants SET status = 'pending', error = NULL, updated_at = now() WHERE slug = $1 AND status = 'failed' RETURNING slug)
       UPDATE tenant_steps s SET state = 'pending', attempts = 0, error = NULL, detail = NULL, started_at = NULL, finished_at = NULL, output = NULL
       FROM t WHERE s.slug = t.slug`,
      [slug],
    );
  }

  /** Marks a tenant for deletion; false when it does not exist. */
  async markDeprovisioning(slug: string): Promise<boolean> {
    const result = await this.pool.query(`UPDATE tenants SET status = 'deprovisioning', error = NULL, updated_at = now() WHERE slug = $1`, [slug]);
    return result.rowCount === 1;
  }

  async remove(slug: string): Promise<void> {
    await this.pool.query('DELETE FROM tenants WHERE slug = $1', [slug]);
  }

  /** The tenant database's URL, from its database step, or undefined before that step is done. */
  async databaseUrl(slug: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ output: unknown }>(`SELECT output FROM tenant_steps WHERE slug = $1 AND name = 'database' AND state = 'done'`, [
      slug,
    ]);
    if (!rows[0]) return undefined;
    const grant = this.opened(slug, 'database', rows[0].output) as { url?: unknown } | null;
    return typeof grant?.url === 'string' ? grant.url : undefined;
  }

  async stepOutputs(slug: string): Promise<Map<string, StepOutput>> {
    const { rows } = await this.pool.query('SELECT name, state, output, spec FROM tenant_steps WHERE slug = $1', [slug]);
    return new Map(
      rows.map((r) => [
        r.name as string,
        { state: r.state as StepState, output: this.opened(slug, r.name as string, r.output), spec: r.spec as TenantSpec | null },
      ]),
    );
  }

  /**
   * Changes the spec's name or state (what is given); the generation counts the change. Undefined
   * when there is no such tenant; the record as it stands when the spec already says that.
   */
  async updateSpec(slug: string, change: { name?: string; state?: TenantState }): Promise<TenantRecord | undefined> {
    await this.pool.query(
      `UPDATE tenants SET name = coalesce($2, name), state = coalesce($3, state), generation = generation + 1, updated_at = now()
       WHERE slug = $1 AND (name, state) IS DISTINCT FROM (coalesce($2, name), coalesce($3, state))`,
      [slug, change.name ?? null, change.state ?? null],
    );
    return this.get(slug);
  }

  private opened(slug: string, step: string, stored: unknown): unknown {
    return this.seal && stored !== null ? this.seal.open(slug, step, stored) : stored;
  }

  /**
   * Runs `work` holding the tenant's advisory lock, so a provisioning and a deletion of the same
   * tenant never run at once, on any number of workers. A dead worker's lock goes with its connection.
   */
  async withTenantLock<T>(slug: string, work: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(`SELECT pg_advisory_lock(hashtext('tenantry-tenant:' || $1))`, [slug]);
      return await work();
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('tenantry-tenant:' || $1))`, [slug]).catch(() => undefined);
      client.release();
    }
  }
}
