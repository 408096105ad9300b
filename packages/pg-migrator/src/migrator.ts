/** @module Applies a list of versioned, forward-only migrations to one Postgres database, once, under a lock. */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TenantryError } from '@tenantry/core';

/** One migration: its number (the schema version it brings), a name for people, and its SQL. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Which set of migrations this is: where it records them and what serialises its migrators. */
export interface MigrationSet {
  /** The table the applied migrations are recorded in, created on first use (a plain lower-case name). */
  table: string;
  /** The pg_advisory_lock id held while migrating; give each set sharing a database its own. */
  lock: number;
}

export interface MigrationResult {
  /** The schema version after the run. */
  version: number;
  /** The versions this run applied (empty when the database was already current). */
  applied: number[];
}

export const MigratorErrors = {
  changed: (m: Migration) =>
    new TenantryError(
      'MIGRATION_CHANGED',
      409,
      `migration ${m.version} (${m.name}) differs from the one applied to this database; migrations are forward only: add a new one instead of editing it`,
    ),
  /** The database records `version`, past `latest`, the last migration this build knows. */
  ahead: (version: number, latest: number) =>
    new TenantryError('SCHEMA_AHEAD', 409, `the database is at schema version ${version} but this build only knows up to ${latest}; deploy the newer build`),
  failed: (m: Migration, err: unknown) =>
    new TenantryError('MIGRATION_FAILED', 500, `migration ${m.version} (${m.name}) failed: ${err instanceof Error ? err.message : String(err)}`),
} as const;

/** What is recorded of a migration's SQL: an edit, even of a comment or a space, changes it. */
export const migrationChecksum = (m: Migration): string => createHash('sha256').update(m.sql).digest('hex');

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function check(migrations: readonly Migration[], set: MigrationSet): void {
  if (!TABLE_NAME.test(set.table)) throw new Error(`migration table name ${JSON.stringify(set.table)} is not a plain lower-case identifier`);
  if (!Number.isSafeInteger(set.lock)) throw new Error(`migration lock id ${set.lock} is not an integer`);
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version <= previous) {
      throw new Error(`migration ${m.version} (${m.name}) is out of order: versions are positive integers, each greater than the one before`);
    }
    previous = m.version;
  }
}

/**
 * Brings the database to the last of `migrations`: each pending one in its own transaction,
 * recorded in `set.table` with its checksum, all under the advisory lock `set.lock`. Safe to call
 * from several processes at once. Refuses (before applying anything) a database whose applied
 * migration differs from the one given (MIGRATION_CHANGED) or that records a version past the last
 * one given (SCHEMA_AHEAD); a migration that fails is rolled back whole (MIGRATION_FAILED), those
 * before it stay applied.
 *
 * `target` is a connection string, or a connected client whose session it borrows: advisory locks
 * are counted per session, so a caller already holding `set.lock` keeps holding it afterwards.
 */
export async function migrate(target: string | pg.ClientBase | pg.Pool, migrations: readonly Migration[], set: MigrationSet): Promise<MigrationResult> {
  check(migrations, set);
  const own = typeof target === 'string' ? new pg.Client({ connectionString: target }) : undefined;
  if (own) await own.connect();
  // A pool lends one of its connections (which it then keeps for the program: no connection of its own).
  const pooled = target instanceof pg.Pool ? await target.connect() : undefined;
  const client = own ?? pooled ?? (target as pg.ClientBase);
  let locked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [set.lock]);
    locked = true;
    await client.query(`CREATE TABLE IF NOT EXISTS ${set.table} (
      version     int PRIMARY KEY,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Map(
      (await client.query<{ version: number; checksum: string }>(`SELECT version, checksum FROM ${set.table}`)).rows.map((r) => [r.version, r.checksum]),
    );
    const newest = Math.max(0, ...applied.keys());
    const latest = migrations.at(-1)?.version ?? 0;
    if (newest > latest) throw MigratorErrors.ahead(newest, latest);
    for (const migration of migrations) {
      const recorded = applied.get(migration.version);
      if (recorded !== undefined && recorded !== migrationChecksum(migration)) throw MigratorErrors.changed(migration);
    }
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${set.table} (version, name, checksum) VALUES ($1, $2, $3)`, [
          migration.version,
          migration.name,
          migrationChecksum(migration),
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw MigratorErrors.failed(migration, err);
      }
      done.push(migration.version);
    }
    return { version: Math.max(newest, ...done), applied: done };
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1)', [set.lock]).catch(() => undefined);
    await own?.end().catch(() => undefined);
    pooled?.release();
  }
}
