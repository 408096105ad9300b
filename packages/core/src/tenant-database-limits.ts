/** @module What one tenant's database login may cost its Postgres server, by tier (every driver that makes tenant roles applies these). */
import type { Tier } from './tenant.js';

export interface TenantDatabaseLimits {
  /** Longest statement, in ms; the shared trial server's watchdog also cancels past it, whatever the session SET. */
  statementTimeoutMs: number;
  /** Longest a session may sit idle inside an open transaction (holding locks and snapshots), in ms. */
  idleInTransactionTimeoutMs: number;
  /** Temporary file space one session may use, in kB (sorts and hashes spilled to disk); superuser-only to raise. */
  tempFileLimitKb: number;
  /** Memory one sort or hash may take before spilling, in kB. */
  workMemKb: number;
  /** Concurrent sessions of the login (and of its database). */
  connectionLimit: number;
}

/**
 * Trial tenants share one server, so a trial login gets tight limits; a production tenant has its own
 * instance (40 connections, 16 MB shared buffers) and the limits only keep one runaway query from
 * filling its disk or holding its connections for ever.
 */
export const TENANT_DATABASE_LIMITS: Readonly<Record<Tier, Readonly<TenantDatabaseLimits>>> = {
  trial: {
    statementTimeoutMs: 30_000,
    idleInTransactionTimeoutMs: 60_000,
    tempFileLimitKb: 256 * 1024,
    workMemKb: 4 * 1024,
    connectionLimit: 20,
  },
  production: {
    statementTimeoutMs: 300_000,
    idleInTransactionTimeoutMs: 600_000,
    tempFileLimitKb: 4 * 1024 * 1024,
    workMemKb: 16 * 1024,
    connectionLimit: 30,
  },
};

/** The tier's limits, with any given value replaced (tests use short timeouts). */
export function tenantDatabaseLimits(tier: Tier, overrides: Partial<TenantDatabaseLimits> = {}): TenantDatabaseLimits {
  return { ...TENANT_DATABASE_LIMITS[tier], ...overrides };
}

/** The limits as Postgres role settings (ALTER ROLE ... SET name = value), in the server's own units. */
export function tenantDatabaseRoleSettings(limits: TenantDatabaseLimits): Record<string, string> {
  return {
    statement_timeout: `${limits.statementTimeoutMs}ms`,
    idle_in_transaction_session_timeout: `${limits.idleInTransactionTimeoutMs}ms`,
    temp_file_limit: `${limits.tempFileLimitKb}kB`,
    work_mem: `${limits.workMemKb}kB`,
  };
}
