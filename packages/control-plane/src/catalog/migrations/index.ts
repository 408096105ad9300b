/** @module The tenant catalog's migrations, in order. Forward only: add a file, never edit an applied one. */
import type { Migration } from '@tenantry/pg-migrator';
import tenantsAndSteps from './0001-tenants-and-steps.js';
import specAndStatus from './0002-spec-and-status.js';

export const CATALOG_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'tenants-and-steps', sql: tenantsAndSteps },
  { version: 2, name: 'spec-and-status', sql: specAndStatus },
];

/**
 * Where the catalog records its applied migrations: not schema_migrations, which the master's
 * database uses for the master pod's own tenant schema (whose migrator also has a lock of its own).
 */
export const CATALOG_MIGRATIONS_TABLE = 'catalog_migrations';
