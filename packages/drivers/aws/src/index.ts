/** @module @tenantry/driver-aws: the AWS side of the production driver. */
export * from './storage-policy.js';
