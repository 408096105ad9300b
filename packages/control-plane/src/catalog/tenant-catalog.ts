/** @module The tenant catalog: every tenant and the state of each of its provisioning steps, in the master database. */
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import type { Condition, TenantSpec, TenantState, TenantStatus, Tier } from '@tenantry/core';
import { migrate } from '@tenantry/pg-migrator';
import { ControlPlaneErrors } from '../errors.js';
import { CATALOG_MIGRATIONS, CATALOG_MIGRATIONS_TABLE } from './migrations/index.js';
import { isSealed, type OutputSeal } from './output-seal.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'removing' | 'removed';

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

/** One line of a step's log. */
export interface StepLogLine {
  at: string;
  line: string;
}

/** A step's log, oldest line first. */
export interface StepLog {
  lines: StepLogLine[];
  /** True when older lines are left out: beyond the requested limit, or dropped by the per-step cap. */
  truncated: boolean;
}

/** A line to append: its text, and when it was reported (else when it is written). */
export type NewStepLogLine = string | { line: string; at: Date };

/** Lines kept per tenant step; appending more drops the oldest. */
export const STEP_LOG_MAX_LINES = 5_000;
/** Longest line kept, in UTF-8 bytes; a longer one is cut and marked. */
export const STEP_LOG_MAX_LINE_BYTES = 4_096;

/**
 * A progress message as log lines: one per line of the message, each at most
 * STEP_LOG_MAX_LINE_BYTES (cut at a character boundary and marked), without NUL characters
 * (which Postgres text cannot hold).
 */
export function stepLogLines(message: string): string[] {
  const lines = message.replace(/\0/g, '').split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map(truncateLine);
}

function truncateLine(line: string): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most lines need no counting.
  if (line.length * 3 <= STEP_LOG_MAX_LINE_BYTES) return line;
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= STEP_LOG_MAX_LINE_BYTES) return line;
  const mark = ` … [line cut: ${bytes.length} bytes]`;
  let end = STEP_LOG_MAX_LINE_BYTES - Buffer.byteLength(mark);
  // Back to the start of a character, so nothing is cut in half.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8') + mark;
}

/** A condition as the reconciler reports it; the catalog keeps when its status last changed. */
export type ConditionReport = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

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

/** Lock ids for pg_advisory_lock: one for schema set-up, one per tenant for provisioning work. */
const SCHEMA_LOCK = 7_366_181;

export class TenantCatalog {
  readonly pool: pg.Pool;

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
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Held around the migrator's own hold of the same lock (advisory locks count per session), so
      // the sealing below is serialised with the migrations, as one start-up step.
      await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
      await migrate(client, CATALOG_MIGRATIONS, { table: CATALOG_MIGRATIONS_TABLE, lock: SCHEMA_LOCK });
      if (this.seal) await this.sealPlainOutputs(client, this.seal);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => undefined);
      client.release();
    }
  }

  /**
   * Seals the outputs a catalog from before sealing holds in clear, and checks that the key opens
   * those already sealed (a wrong key stops the start-up with SecretKeyError, not the first tenant).
   */
  private async sealPlainOutputs(client: pg.PoolClient, seal: OutputSeal): Promise<void> {
    const { rows } = await client.query<{ slug: string; name: string; output: unknown }>(
      'SELECT slug, name, output FROM tenant_steps WHERE output IS NOT NULL ORDER BY slug, name',
    );
    const sealed = rows.find((row) => isSealed(row.output));
    if (sealed) seal.open(sealed.slug, sealed.name, sealed.output);
    const plain = rows.filter((r) => !isSealed(r.output));
    for (const row of plain) {
      await client.query('UPDATE tenant_steps SET output = $3 WHERE slug = $1 AND name = $2', [
        row.slug,
        row.name,
        JSON.stringify(seal.seal(row.slug, row.name, row.output)),
      ]);
    }
    // The updated rows' old versions still hold the secrets in the table's files: rewrite them away.
    if (plain.length > 0) await client.query('VACUUM FULL tenant_steps');
  }

  async close(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
    await this.pool.end();
  }

  private listener: pg.Client | undefined;
  private readonly watchers = new Set<(slug: string) => void>();

  /** Calls `onChange` with the slug of every tenant that changes; returns the unsubscribe. */
  async watch(onChange: (slug: string) => void): Promise<() => void> {
    if (!this.listener) {
      const client = new pg.Client({ connectionString: this.pool.options.connectionString });
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
        await client.query('LISTEN tenantry_tenants');
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

  /**
   * Records a new tenant with its steps pending. An existing tenant with the same slug, name and
   * tier is returned as is (created: false); one that differs is a conflict.
   */
  async create(tenant: NewTenant, stepNames: readonly string[]): Promise<{ tenant: TenantRecord; created: boolean }> {
    // The connection is let go before the read below: holding it while asking the pool again deadlocks a busy pool.
    const inserted = await this.inTransaction(async (client) => {
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

  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
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

  async status(slug: string): Promise<TenantStatus | undefined> {
    const { rows } = await this.pool.query<{ status: TenantStatus }>('SELECT status FROM tenants WHERE slug = $1', [slug]);
    return rows[0]?.status;
  }

  async setStatus(slug: string, status: TenantStatus, error: string | null = null): Promise<void> {
    await this.pool.query(
      `UPDATE tenants SET status = $2, error = $3, updated_at = now(),
         ready_at = CASE WHEN $2 = 'ready' THEN now() ELSE ready_at END WHERE slug = $1`,
      [slug, status, error],
    );
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

  /** Records the outcome of a migration of the tenant's database. */
  async setSchemaVersion(slug: string, version: number | null, error: string | null = null): Promise<void> {
    await this.pool.query('UPDATE tenants SET schema_version = coalesce($2, schema_version), schema_error = $3, updated_at = now() WHERE slug = $1', [
      slug,
      version,
      error,
    ]);
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
   * Changes the spec's name; the generation counts the change. Undefined when there is no such
   * tenant; the record as it stands when the name is already that.
   */
  async rename(slug: string, name: string): Promise<TenantRecord | undefined> {
    await this.pool.query(`UPDATE tenants SET name = $2, generation = generation + 1, updated_at = now() WHERE slug = $1 AND name <> $2`, [slug, name]);
    return this.get(slug);
  }

  /**
   * Records what the reconciler observed: each condition replaces the one of its type (keeping when
   * its status last changed if that did not change), and `observedGeneration` when it converged.
   */
  async recordConditions(slug: string, reports: readonly ConditionReport[], generation: number, converged: boolean): Promise<void> {
    await this.inTransaction(async (client) => {
      const { rows } = await client.query<{ conditions: Condition[]; observed_generation: string }>(
        'SELECT conditions, observed_generation FROM tenants WHERE slug = $1 FOR UPDATE',
        [slug],
      );
      if (rows[0]) {
        const now = new Date().toISOString();
        const byType = new Map(rows[0].conditions.map((c) => [c.type, c]));
        for (const report of reports) {
          const before = byType.get(report.type);
          const lastTransitionTime = before && before.status === report.status ? before.lastTransitionTime : now;
          byType.set(report.type, { ...report, lastTransitionTime, observedGeneration: generation });
        }
        // A resync that saw nothing new writes nothing: no row update, so no announcement to live views.
        const observed = converged ? Math.max(Number(rows[0].observed_generation), generation) : Number(rows[0].observed_generation);
        if (isDeepStrictEqual([...byType.values()], rows[0].conditions) && observed === Number(rows[0].observed_generation)) return;
        await client.query(
          `UPDATE tenants SET conditions = $2, observed_generation = CASE WHEN $3 THEN greatest(observed_generation, $4) ELSE observed_generation END WHERE slug = $1`,
          [slug, JSON.stringify([...byType.values()]), converged, generation],
        );
      }
    });
  }

  private opened(slug: string, step: string, stored: unknown): unknown {
    return this.seal && stored !== null ? this.seal.open(slug, step, stored) : stored;
  }

  async stepStarted(slug: string, step: string, state: 'running' | 'removing'): Promise<void> {
    await this.pool.query(
      `UPDATE tenant_steps SET state = $3, attempts = attempts + 1, started_at = now(), finished_at = NULL, error = NULL, detail = NULL
       WHERE slug = $1 AND name = $2`,
      [slug, step, state],
    );
  }

  /**
   * Appends lines to a step's log, in the order given, and makes the last one the step's `detail`.
   * Each message is split into lines and long lines are cut (see stepLogLines). The step keeps its
   * newest STEP_LOG_MAX_LINES lines: older ones are deleted in the same statement. `dropped` counts
   * lines the caller reported but left out (older than these), so a read says the log is truncated.
   * A tenant or step that does not exist (any more) gets nothing.
   */
  async appendStepLog(slug: string, step: string, lines: readonly NewStepLogLine[], dropped = 0): Promise<void> {
    const now = new Date();
    const split = lines.flatMap((entry) => {
      const { line, at } = typeof entry === 'string' ? { line: entry, at: now } : entry;
      return stepLogLines(line).map((text) => ({ line: text, at }));
    });
    if (split.length === 0) return;
    const kept = split.slice(-STEP_LOG_MAX_LINES);
    const total = dropped + split.length;
    await this.pool.query(
      `WITH step AS (
         UPDATE tenant_steps SET detail = $3, log_lines = log_lines + $4 WHERE slug = $1 AND name = $2 RETURNING log_lines
       ), added AS (
         INSERT INTO tenant_step_logs (slug, step, n, at, line)
         SELECT $1, $2, step.log_lines - cardinality($5::text[]) + l.i, l.at, l.line
         FROM step, unnest($5::text[], $6::timestamptz[]) WITH ORDINALITY AS l(line, at, i)
       )
       DELETE FROM tenant_step_logs d USING step WHERE d.slug = $1 AND d.step = $2 AND d.n <= step.log_lines - $7`,
      [slug, step, kept[kept.length - 1]!.line, total, kept.map((l) => l.line), kept.map((l) => l.at.toISOString()), STEP_LOG_MAX_LINES],
    );
  }

  /**
   * A step's log, oldest line first: its newest `limit` lines (truncated says whether older ones
   * were left out). Undefined when the tenant, or that step of it, does not exist.
   */
  async stepLog(slug: string, step: string, limit = STEP_LOG_MAX_LINES): Promise<StepLog | undefined> {
    const { rows } = await this.pool.query<{ n: string | null; at: Date | null; line: string | null }>(
      `SELECT l.n, l.at, l.line FROM tenant_steps s
       LEFT JOIN LATERAL (
         SELECT n, at, line FROM tenant_step_logs WHERE slug = s.slug AND step = s.name ORDER BY n DESC LIMIT $3
       ) l ON true
       WHERE s.slug = $1 AND s.name = $2`,
      [slug, step, limit],
    );
    if (rows.length === 0) return undefined;
    const found = rows.filter((r) => r.n !== null).reverse();
    return {
      lines: found.map((r) => ({ at: iso(r.at)!, line: r.line! })),
      // Lines are numbered from 1 per step: a first line numbered higher had older ones before it.
      truncated: found.length > 0 && Number(found[0]!.n) > 1,
    };
  }

  /** `spec`: the tenant's spec the step was applied for (done), none when removed. */
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

function iso(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}
