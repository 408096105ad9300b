/** @module @tenantry/pg-migrator: versioned, forward-only SQL migrations for one Postgres database, applied once each under a lock. */
export * from './migrator.js';
