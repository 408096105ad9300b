/**
 * @module Warming a pre-started program up while it waits for its tenant: its server built once with no
 * tenant in it, a request answered, then closed. Its code is then compiled and its lazy modules loaded
 * before the tenant is known, so the start that follows is cheaper (and the build's code cache holds it).
 */
import { HEALTH_PROBE_PATH, warmUpAtGate } from '@tenantry/core';
import type { FastifyInstance } from 'fastify';

/** The environment a warm-up's configuration is read from: nothing of a tenant, nothing reachable. */
export const WARM_UP_ENVIRONMENT: Readonly<Record<string, string>> = {
  TENANT_ID: 'warm-up',
  TENANT_URL: 'http://warm-up.invalid/',
  LOG_LEVEL: 'silent',
  HOST: '127.0.0.1',
  PORT: '9',
  REDIS_URL: 'redis://warm-up.invalid',
  DATABASE_URL: 'postgres://warm-up.invalid/warm-up',
  STORAGE_URL: 'file:///nonexistent/',
};

/** A dependency the warm-up's server must never use: any use of it throws (and ends the warm-up). */
export const UNUSED_DURING_WARM_UP = new Proxy(
  {},
  {
    get(_target, key) {
      throw new Error(`${String(key)} was used during the warm-up, when no tenant is known`);
    },
  },
) as never;

/**
 * While the program waits at its start gate (only then): builds its server, answers one request, closes it. The
 * request is for the platform's probe path, which is not metered (so the analytics producer is not used) and
 * which no route of the user backend takes (a 404: no dependency is used).
 */
export function warmUpServer(build: () => Promise<FastifyInstance>): void {
  warmUpAtGate(async () => {
    const app = await build();
    try {
      await app.ready();
      await app.inject({ method: 'GET', url: HEALTH_PROBE_PATH });
    } finally {
      await app.close();
    }
  });
}
