/**
 * @module Stops tenant queries that run past their tier's statement timeout on a shared server, even
 * when the tenant has SET statement_timeout = 0 (role settings are only session defaults).
 */
import { tenantDatabaseLimits, type Logger, type TenantDatabaseLimits, type Tier } from '@tenantry/core';
import type pg from 'pg';
import { adminPool, ensureTenantLoginsTable, TENANT_LOGIN_PREFIX, TENANT_LOGINS_TABLE } from './tenant-database.js';

export interface QueryWatchdogOptions {
  /** Superuser URL of the server (in the database that holds the tenant logins' registry). */
  adminUrl: string;
  /** The tier of a tenant login the registry does not know (made by an earlier version). */
  defaultTier: Tier;
  /** Replaces some of each tier's limits; must be what the logins were given (tests use short ones). */
  limits?: Partial<Record<Tier, Partial<TenantDatabaseLimits>>> | undefined;
  /** How often pg_stat_activity is read. @defaultValue 1000 */
  intervalMs?: number | undefined;
  /**
   * How far past its limit a query may run before the watchdog acts: where the tenant left the role's
   * timeout, the server's own cancel comes first, and a cancel never lands on the session's next query.
   * @defaultValue 1000
   */
  graceMs?: number | undefined;
  /** A query still running this long after its cancel is terminated (its session ends). @defaultValue 2000 */
  terminateAfterMs?: number | undefined;
  log: Logger;
}

interface Backend {
  pid: number;
  login: string;
  database: string | null;
  tenant: string | null;
  tier: string | null;
  state: string;
  /** When the running query started, or the session became idle in a transaction. */
  since: string;
  elapsed_ms: string;
}

export type WatchdogAction = 'cancelled' | 'terminated';

export class QueryWatchdog {
  private readonly admin: pg.Pool;
  private readonly limits: Record<Tier, TenantDatabaseLimits>;
  /** Queries already cancelled: pid → the query's start and when it was cancelled. */
  private readonly cancelled = new Map<number, { since: string; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: QueryWatchdogOptions) {
    this.admin = adminPool(options.adminUrl, 1);
    this.limits = {
      trial: tenantDatabaseLimits('trial', options.limits?.trial),
      production: tenantDatabaseLimits('production', options.limits?.production),
    };
  }

  /** Makes the registry if it is missing, then sweeps every interval until close(). */
  async start(): Promise<void> {
    await ensureTenantLoginsTable(this.admin);
    this.schedule();
  }

  /** One look at the server: cancels or terminates what ran too long; returns what it did. */
  async sweep(): Promise<{ pid: number; action: WatchdogAction }[]> {
    const { rows } = await this.admin.query<Backend>(
      `SELECT a.pid, a.usename AS login, a.datname AS database, r.tenant, r.tier, a.state,
              (CASE WHEN a.state = 'active' THEN a.query_start ELSE a.state_change END)::text AS since,
              (extract(epoch FROM clock_timestamp() - CASE WHEN a.state = 'active' THEN a.query_start ELSE a.state_change END) * 1000)::bigint AS elapsed_ms
         FROM pg_stat_activity a LEFT JOIN ${TENANT_LOGINS_TABLE} r ON r.login = a.usename
        WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
          AND a.state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
          AND (r.login IS NOT NULL OR starts_with(a.usename, $1))`,
      [TENANT_LOGIN_PREFIX],
    );
    const done: { pid: number; action: WatchdogAction }[] = [];
    const seen = new Set<number>();
    for (const backend of rows) {
      seen.add(backend.pid);
      const tier: Tier = backend.tier === 'production' || backend.tier === 'trial' ? backend.tier : this.options.defaultTier;
      const active = backend.state === 'active';
      const limitMs = active ? this.limits[tier].statementTimeoutMs : this.limits[tier].idleInTransactionTimeoutMs;
      if (Number(backend.elapsed_ms) <= limitMs + (this.options.graceMs ?? 1000)) continue;
      const earlier = this.cancelled.get(backend.pid);
      const cancelledBefore = earlier !== undefined && earlier.since === backend.since;
      // An idle session has no query to cancel: it ends, as idle_in_transaction_session_timeout would end it.
      const action: WatchdogAction = !active || cancelledBefore ? 'terminated' : 'cancelled';
      if (action === 'terminated' && active && Date.now() - earlier!.at < (this.options.terminateAfterMs ?? 2000)) continue;
      await this.admin.query(action === 'cancelled' ? 'SELECT pg_cancel_backend($1)' : 'SELECT pg_terminate_backend($1)', [backend.pid]);
      if (action === 'cancelled') this.cancelled.set(backend.pid, { since: backend.since, at: Date.now() });
      else this.cancelled.delete(backend.pid);
      this.options.log.warn(
        {
          tenant: backend.tenant ?? undefined,
          tier,
          login: backend.login,
          database: backend.database,
          pid: backend.pid,
          state: backend.state,
          elapsedMs: Number(backend.elapsed_ms),
          limitMs,
          action,
        },
        active ? "a tenant's query ran past its tier's statement timeout" : "a tenant's session sat idle in a transaction past its tier's limit",
      );
      done.push({ pid: backend.pid, action });
    }
    for (const pid of this.cancelled.keys()) if (!seen.has(pid)) this.cancelled.delete(pid);
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    await this.admin.end();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then(
          () => undefined,
          (err: unknown) => this.options.log.error({ err }, 'the query watchdog could not read or stop tenant sessions; trying again'),
        )
        .finally(() => this.schedule());
    }, this.options.intervalMs ?? 1000);
    this.timer.unref();
  }
}
