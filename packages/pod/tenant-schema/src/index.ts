/** @module @tenantry/tenant-schema: the tenant database's schema as versioned, forward-only migrations. */
export * from './migrator.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
