/** @module @tenantry/core: the domain shared by every Tenantry program. */
export * from './tenant.js';
export * from './errors.js';
export * from './config.js';
export * from './logger.js';
export * from './wait.js';
export * from './secrets.js';
export * from './platform-key.js';
export * from './http.js';
export * from './host-header.js';
export * from './free-port.js';
export * from './cache-dir.js';
export * from './servers.js';
export * from './usage-limits.js';
export * from './input-text.js';
export * from './redirect.js';
export * from './redis-tenant-acl.js';
export * from './tenant-database-limits.js';
