/** @module Test support for every package: throwaway real Postgres servers. */
export * from './test-postgres.js';
