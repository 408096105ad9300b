/**
 * @module The embedded analytics store: tables in the master's Postgres. Raw events keyed by their
 * id (so a redelivered event is written once), and per-minute aggregates updated in the same
 * transaction from only the events that were new.
 */
import pg from 'pg';
import type { AnalyticsEvent } from './events.js';
import type { AnalyticsStore, TenantUsage, UsagePoint, UsageQuery } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS analytics_events (
  id         uuid PRIMARY KEY,
  tenant_id  text NOT NULL,
  at         timestamptz NOT NULL,
  type       text NOT NULL,
  data       jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS analytics_events_tenant_at ON analytics_events (tenant_id, at);
CREATE TABLE IF NOT EXISTS analytics_minutes (
  tenant_id      text NOT NULL,
  minute         timestamptz NOT NULL,
  requests       bigint NOT NULL DEFAULT 0,
  errors         bigint NOT NULL DEFAULT 0,
  signups        bigint NOT NULL DEFAULT 0,
  logins         bigint NOT NULL DEFAULT 0,
  jobs           bigint NOT NULL DEFAULT 0,
  jobs_failed    bigint NOT NULL DEFAULT 0,
  storage_bytes  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, minute)
);
CREATE INDEX IF NOT EXISTS analytics_minutes_minute ON analytics_minutes (minute);
`;

const num = (v: unknown) => Number(v ?? 0);

export class PostgresAnalyticsStore implements AnalyticsStore {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string, poolSize = 4) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
    this.pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on next use.
    });
  }

  async migrate(): Promise<void> {
    // The master's scheduler and admin backend both call this at start-up: one at a time.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(7366183)');
      await client.query(SCHEMA);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async write(events: readonly AnalyticsEvent[]): Promise<{ written: number; duplicates: number }> {
    if (events.length === 0) return { written: 0, duplicates: 0 };
    const rows = events.map((e) => ({ id: e.id, tenant_id: e.tenantId, at: new Date(e.at).toISOString(), type: e.type, data: e.data }));
    const { rows: result } = await this.pool.query<{ written: string }>(
      `WITH incoming AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, tenant_id text, at timestamptz, type text, data jsonb)
       ), new_events AS (
         INSERT INTO analytics_events (id, tenant_id, at, type, data)
         SELECT DISTINCT ON (id) id, tenant_id, at, type, data FROM incoming
         ON CONFLICT (id) DO NOTHING
         RETURNING tenant_id, at, type, data
       ), minutes AS (
         INSERT INTO analytics_minutes AS m (tenant_id, minute, requests, errors, signups, logins, jobs, jobs_failed, storage_bytes)
         SELECT tenant_id, date_trunc('minute', at),
                count(*) FILTER (WHERE type = 'request'),
                count(*) FILTER (WHERE type = 'request' AND (data->>'status')::int >= 500),
                count(*) FILTER (WHERE type = 'signup'),
                count(*) FILTER (WHERE type = 'login'),
                count(*) FILTER (WHERE type = 'job'),
                count(*) FILTER (WHERE type = 'job' AND data->>'outcome' = 'failed'),
                coalesce(sum((data->>'bytes')::bigint) FILTER (WHERE type = 'storage'), 0)
         FROM new_events GROUP BY 1, 2
         ON CONFLICT (tenant_id, minute) DO UPDATE SET
           requests = m.requests + EXCLUDED.requests, errors = m.errors + EXCLUDED.errors,
           signups = m.signups + EXCLUDED.signups, logins = m.logins + EXCLUDED.logins,
           jobs = m.jobs + EXCLUDED.jobs, jobs_failed = m.jobs_failed + EXCLUDED.jobs_failed,
           storage_bytes = m.storage_bytes + EXCLUDED.storage_bytes
       )
       SELECT count(*) AS written FROM new_events`,
      [JSON.stringify(rows)],
    );
    const written = num(result[0]?.written);
    return { written, duplicates: events.length - written };
  }

  async usage(tenant: string, query: UsageQuery): Promise<UsagePoint[]> {
    const bucket = `${query.bucketMinutes ?? 60} minutes`;
    const { rows } = await this.pool.query(
      `WITH buckets AS (
         SELECT date_bin($4::interval, minute, 'epoch') AS at, sum(requests) AS requests, sum(errors) AS errors,
                sum(signups) AS signups, sum(logins) AS logins, sum(jobs) AS jobs, sum(jobs_failed) AS jobs_failed
         FROM analytics_minutes WHERE tenant_id = $1 AND minute >= $2 AND minute < $3 GROUP BY 1
       ), latency AS (
         SELECT date_bin($4::interval, at, 'epoch') AS at,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY (data->>'latencyMs')::float8) AS p95
         FROM analytics_events WHERE tenant_id = $1 AND type = 'request' AND at >= $2 AND at < $3 GROUP BY 1
       )
       SELECT b.*, l.p95 FROM buckets b LEFT JOIN latency l USING (at) ORDER BY b.at`,
      [tenant, query.from, query.to, bucket],
    );
    return rows.map((r) => ({
      at: (r.at as Date).toISOString(),
      requests: num(r.requests),
      errors: num(r.errors),
      p95LatencyMs: r.p95 === null ? null : Math.round(Number(r.p95) * 100) / 100,
      signups: num(r.signups),
      logins: num(r.logins),
      jobs: num(r.jobs),
      jobsFailed: num(r.jobs_failed),
    }));
  }

  async tenants(query: UsageQuery & { limit?: number; tenants?: string[] }): Promise<TenantUsage[]> {
    const { rows } = await this.pool.query(
      `WITH totals AS (
         SELECT tenant_id, sum(requests) AS requests, sum(errors) AS errors, sum(jobs) AS jobs,
                sum(jobs_failed) AS jobs_failed, sum(storage_bytes) AS storage_bytes
         FROM analytics_minutes WHERE minute >= $1 AND minute < $2 AND ($4::text[] IS NULL OR tenant_id = ANY($4)) GROUP BY 1
       ), active AS (
         SELECT tenant_id, count(DISTINCT data->>'userId') AS users
         FROM analytics_events WHERE type IN ('login', 'signup') AND at >= $1 AND at < $2 AND ($4::text[] IS NULL OR tenant_id = ANY($4)) GROUP BY 1
       )
       SELECT t.*, coalesce(a.users, 0) AS users FROM totals t LEFT JOIN active a USING (tenant_id)
       ORDER BY t.requests DESC, t.tenant_id LIMIT $3`,
      [query.from, query.to, query.limit ?? 1_000, query.tenants ?? null],
    );
    return rows.map((r) => ({
      tenant: r.tenant_id,
      requests: num(r.requests),
      errors: num(r.errors),
      activeUsers: num(r.users),
      jobs: num(r.jobs),
      jobsFailed: num(r.jobs_failed),
      storageBytes: num(r.storage_bytes),
    }));
  }

  async lastRequests(tenants: readonly string[], since: Date): Promise<Map<string, Date>> {
    if (tenants.length === 0) return new Map();
    const { rows } = await this.pool.query<{ tenant_id: string; minute: Date }>(
      `SELECT tenant_id, max(minute) AS minute FROM analytics_minutes
       WHERE tenant_id = ANY($1) AND minute >= date_trunc('minute', $2::timestamptz) AND requests > 0 GROUP BY 1`,
      [tenants, since],
    );
    return new Map(rows.map((r) => [r.tenant_id, new Date(r.minute.getTime() + 60_000)]));
  }

  async prune(rawDays: number, aggregateDays: number): Promise<void> {
    await this.pool.query(`DELETE FROM analytics_events WHERE at < now() - make_interval(days => $1)`, [rawDays]);
    await this.pool.query(`DELETE FROM analytics_minutes WHERE minute < now() - make_interval(days => $1)`, [aggregateDays]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
