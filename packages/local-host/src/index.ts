/** @module @tenantry/local-host: runs the platform on one machine (`tenantry up`). */
export * from './config.js';
export * from './platform.js';
export * from './supervisor/supervisor.js';
export * from './agent/node-agent.js';
