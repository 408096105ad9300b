/**
 * @module @tenantry/control-plane: the tenant catalog, the provisioning queue, workflow and steps,
 * and the tenants API. A library that the master pod's admin backend (API) and job scheduler
 * (worker) load when IS_MASTER=true.
 */
export * from './drivers.js';
export * from './observe.js';
export * from './errors.js';
export * from './catalog/tenant-catalog.js';
export * from './catalog/tenant-status.js';
export * from './catalog/step-logs.js';
export * from './catalog/output-seal.js';
export * from './provisioning/steps.js';
export * from './provisioning/workflow.js';
export * from './provisioning/queue.js';
export * from './queue-scripts/tenant-scripts.js';
export * from './api/tenants-api.js';
export * from './api/tenant-resource.js';
export * from './api/tenant-health.js';
export * from './api/cost-estimate.js';
export * from './fleet/fleet-migration.js';
export * from './provisioning/idle-freezer.js';
