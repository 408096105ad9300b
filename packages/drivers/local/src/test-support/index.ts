/** @module Test support for every package: throwaway real Postgres and Redis servers. */
export * from './test-postgres.js';
export * from './test-redis.js';
export { freePort } from '@tenantry/core';
