/** @module @tenantry/driver-aws: the AWS side of the production driver (and its S3-compatible local stand-in). */
export * from './storage-policy.js';
export * from './s3-storage.js';
