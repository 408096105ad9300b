/** @module @tenantry/gateway: routes requests by Host header to each tenant's pod. */
export * from './route-table.js';
export * from './gateway.js';
export * from './errors.js';
export * from './waker.js';
export { WAKE_HEADER } from './complete-path.js';
export type { ProgramReadiness } from './decision.js';
export * from './activity.js';
export * from './wake-through-master.js';
