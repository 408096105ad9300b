/** @module Applies the tenant schema's pending migrations to one tenant database, once, under a lock. */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TenantryError } from '@tenantry/core';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** The schema version this build brings: the last migration's number. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** Serialises migrators of one database (the programs of a pod and the master's fleet run). */
const MIGRATION_LOCK = 7_366_182;

export interface MigrationResult {
  /** The schema version after the run. */
  version: number;
  /** The versions this run applied (empty when the database was already current). */
  applied: number[];
}

export const SchemaErrors = {
  changed: (m: Migration) =>
    new TenantryError(
      'MIGRATION_CHANGED',
      409,
      `migration ${m.version} (${m.name}) differs from the one applied to this database; migrations are forward only: add a new one instead of editing it`,
    ),
  ahead: (version: number) =>
    new TenantryError(
      'SCHEMA_AHEAD',
      409,
      `the database is at schema version ${version} but this build only knows up to ${LATEST_SCHEMA_VERSION}; deploy the newer build`,
    ),
  failed: (m: Migration, err: unknown) =>
    new TenantryError('MIGRATION_FAILED', 500, `migration ${m.version} (${m.name}) failed: ${err instanceof Error ? err.message : String(err)}`),
} as const;

const checksum = (m: Migration) => createHash('sha256').update(m.sql).digest('hex');

/**
 * Brings the database to LATEST_SCHEMA_VERSION: each pending migration in its own transaction,
 * recorded in schema_migrations with its checksum. Safe to call from several processes at once.
 */
export async function migrateTenantDatabase(target: string | pg.ClientBase, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const own = typeof target === 'string' ? new pg.Client({ connectionString: target }) : undefined;
  if (own) await own.connect();
  const client = own ?? (target as pg.ClientBase);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version     int PRIMARY KEY,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Map(
      (await client.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations')).rows.map((r) => [r.version, r.checksum]),
    );
    const newest = Math.max(0, ...applied.keys());
    const latest = migrations.at(-1)?.version ?? 0;
    if (newest > latest) throw SchemaErrors.ahead(newest);
    const done: number[] = [];
    for (const migration of migrations) {
      const recorded = applied.get(migration.version);
      if (recorded !== undefined) {
        if (recorded !== checksum(migration)) throw SchemaErrors.changed(migration);
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          checksum(migration),
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw SchemaErrors.failed(migration, err);
      }
      done.push(migration.version);
    }
    return { version: Math.max(newest, ...done), applied: done };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await own?.end().catch(() => undefined);
  }
}
