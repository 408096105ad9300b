/** @module How the local gateway wakes a frozen tenant: through the master's tenants API (the gateway's `wakeThroughMaster`, which the activator on Kubernetes uses too). */
export { wakeThroughMaster } from '@tenantry/gateway';
