/** @module @tenantry/pod-runtime: what every tenant-pod program shares (environment contract, server, database, sessions, jobs, storage). */
export * from './pod-config.js';
export * from './pod-server.js';
export * from './object-store.js';
export * from './database.js';
export * from './sessions.js';
export * from './jobs.js';
export * from './passwords.js';
export * from './analytics.js';
// The string schemas and OpenAPI conventions every platform API shares.
export * from '@tenantry/api-schemas';
export * from './client-address.js';
export * from './account-tokens.js';
export * from './warm-up.js';
