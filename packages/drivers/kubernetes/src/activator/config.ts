/** @module The activator's configuration: read once from its environment at start-up, validated, each bad value named. */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';

const activatorSchema = z.object({
  /** Where it listens: the tenant Ingresses' `activator` Service leads here. */
  PORT: env.port(8080),
  HOST: z._default(z.string().check(z.minLength(1)), '0.0.0.0'),
  /** The master's admin backend, which serves the tenants API (e.g. http://master-admin-backend.tenantry-system.svc:8080). */
  TENANTRY_MASTER_URL: env.url(['http', 'https']),
  /** The operator's token, with which it sets a frozen tenant's state back to active. */
  ADMIN_TOKEN: z.string().check(z.minLength(16, 'must be at least 16 characters')),
  /** Longest a held request waits for its tenant; then 503 with Retry-After. */
  TENANTRY_WAKE_TIMEOUT_MS: env.integer(1_000, 600_000, 15_000),
  /** How often it reads the tenant list from the master (which tenants are frozen, ready, gone). */
  TENANTRY_ACTIVATOR_SYNC_INTERVAL_MS: env.integer(200, 600_000, 5_000),
  /** A JSON file declaring the tenant pod's programs and their paths, as the master's; unset, the built-in pod. */
  TENANTRY_POD_MANIFEST: z.optional(z.string()),
  LOG_LEVEL: env.logLevel(),
});

export type ActivatorConfig = z.output<typeof activatorSchema>;

export function readActivatorConfig(environment: NodeJS.ProcessEnv = process.env): Readonly<ActivatorConfig> {
  return readConfig('activator', activatorSchema, environment);
}
