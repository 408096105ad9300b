/**
 * @module A tenant's status as the reconciler writes it: its phase, its conditions and observed
 * generation, its steps' states and outputs, its schema version. The one way status is written.
 */
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import type { Condition, TenantSpec, TenantStatus } from '@tenantry/core';
import type { OutputSeal } from './output-seal.js';
import { inTransaction } from './rows.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'removing' | 'removed';

/** A condition as the reconciler reports it; the catalog keeps when its status last changed. */
export type ConditionReport = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** What the reconciler saw and did, written at once (one transaction, one announcement). */
export interface StatusUpdate {
  /**
   * The new phase and its error (none: cleared). With `from`, the phase changes only from one of
   * those, so a tenant marked for deletion meanwhile stays marked.
   */
  phase?: { to: TenantStatus; error?: string; from?: readonly TenantStatus[] };
  /**
   * Conditions, each replacing the one of its type, observed for the spec's `generation`;
   * `converged` when every resource holds, so observedGeneration follows.
   */
  observed?: { conditions: readonly ConditionReport[]; generation: number; converged: boolean };
}

/** How the reconciler writes status; nothing else it does touches the catalog's tables. */
export interface TenantStatusWriter {
  update(slug: string, update: StatusUpdate): Promise<void>;
  stepStarted(slug: string, step: string, state: 'running' | 'removing'): Promise<void>;
  /** `spec`: the tenant's spec the step was applied for (done), none when removed. */
  stepFinished(slug: string, step: string, state: 'done' | 'removed', output?: unknown, spec?: TenantSpec | null): Promise<void>;
  stepFailed(slug: string, step: string, error: string): Promise<void>;
  /** Records the outcome of a migration of the tenant's database (a version, or the failure). */
  setSchemaVersion(slug: string, version: number | null, error?: string | null): Promise<void>;
}

export class CatalogStatus implements TenantStatusWriter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly seal: OutputSeal | undefined,
  ) {}

  /**
   * Writes a phase and conditions together. A condition keeps when its status last changed if that
   * did not change. An update that changes nothing writes nothing: no row update, so no announcement
   * to live views (a resync that saw nothing new is silent).
   */
  async update(slug: string, update: StatusUpdate): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ status: TenantStatus; error: string | null; conditions: Condition[]; observed_generation: string }>(
        'SELECT status, error, conditions, observed_generation FROM tenants WHERE slug = $1 FOR UPDATE',
        [slug],
      );
      const row = rows[0];
      if (!row) return;
      const { phase, observed } = update;
      const moves = phase !== undefined && (!phase.from || phase.from.includes(row.status));
      const status = moves ? phase.to : row.status;
      const error = moves ? (phase.error ?? null) : row.error;
      const conditions = observed ? mergeConditions(row.conditions, observed.conditions, observed.generation) : row.conditions;
      const before = Number(row.observed_generation);
      const observedGeneration = observed?.converged ? Math.max(before, observed.generation) : before;
      if (status === row.status && error === row.error && observedGeneration === before && isDeepStrictEqual(conditions, row.conditions)) return;
      await client.query(
        `UPDATE tenants SET status = $2, error = $3, conditions = $4, observed_generation = $5,
           updated_at = CASE WHEN $6 THEN now() ELSE updated_at END,
           ready_at = CASE WHEN $2 = 'ready' AND status <> 'ready' THEN now() ELSE ready_at END
         WHERE slug = $1`,
        [slug, status, error, JSON.stringify(conditions), observedGeneration, moves],
      );
    });
  }

  async stepStarted(slug: string, step: string, state: 'running' | 'removing'): Promise<void> {
    await this.pool.query(
      `UPDATE tenant_steps SET state = $3, attempts = attempts + 1, started_at = now(), finished_at = NULL, error = NULL, detail = NULL
       WHERE slug = $1 AND name = $2`,
      [slug, step, state],
    );
  }

  async stepFinished(slug: string, step: string, state: 'done' | 'removed', output: unknown = null, spec: TenantSpec | null = null): Promise<void> {
    await this.pool.query(`UPDATE tenant_steps SET state = $3, finished_at = now(), error = NULL, output = $4, spec = $5 WHERE slug = $1 AND name = $2`, [
      slug,
      step,
      state,
      output === null ? null : JSON.stringify(this.seal ? this.seal.seal(slug, step, output) : output),
      spec === null ? null : JSON.stringify(spec),
    ]);
  }

  async stepFailed(slug: string, step: string, error: string): Promise<void> {
    await this.pool.query(`UPDATE tenant_steps SET state = 'failed', finished_at = now(), error = $3 WHERE slug = $1 AND name = $2`, [slug, step, error]);
  }

  async setSchemaVersion(slug: string, version: number | null, error: string | null = null): Promise<void> {
    await this.pool.query('UPDATE tenants SET schema_version = coalesce($2, schema_version), schema_error = $3, updated_at = now() WHERE slug = $1', [
      slug,
      version,
      error,
    ]);
  }
}

/** The conditions after a report: each reported one replaces its type's, its transition time kept while its status holds. */
function mergeConditions(current: readonly Condition[], reports: readonly ConditionReport[], generation: number): Condition[] {
  const now = new Date().toISOString();
  const byType = new Map(current.map((c) => [c.type, c]));
  for (const report of reports) {
    const before = byType.get(report.type);
    const lastTransitionTime = before && before.status === report.status ? before.lastTransitionTime : now;
    byType.set(report.type, { ...report, lastTransitionTime, observedGeneration: generation });
  }
  return [...byType.values()];
}
