/** @module Applies the tenant schema's pending migrations to one tenant database, once, under a lock. */
import type pg from 'pg';
import { MigratorErrors, migrate, type MigrationResult } from '@tenantry/pg-migrator';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type { MigrationResult };

/** The schema version this build brings: the last migration's number. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/**
 * Where the applied migrations are recorded, and the lock that serialises migrators of one database
 * (the programs of a pod and the master's fleet run). The master's database also holds the tenant
 * catalog's migrations, with a table and a lock of their own.
 */
const TENANT_SCHEMA = { table: 'schema_migrations', lock: 7_366_182 } as const;

export const SchemaErrors = {
  changed: (m: Migration) => MigratorErrors.changed(m),
  ahead: (version: number) => MigratorErrors.ahead(version, LATEST_SCHEMA_VERSION),
  failed: (m: Migration, err: unknown) => MigratorErrors.failed(m, err),
} as const;

/**
 * Brings the database to LATEST_SCHEMA_VERSION: each pending migration in its own transaction,
 * recorded in schema_migrations with its checksum. Safe to call from several processes at once.
 */
export async function migrateTenantDatabase(target: string | pg.ClientBase | pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  return migrate(target, migrations, TENANT_SCHEMA);
}
