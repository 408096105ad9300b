/** @module @tenantry/pod-runtime: what every tenant-pod program shares (environment contract, server, storage). */
export * from './pod-config.js';
export * from './pod-server.js';
export * from './object-store.js';
