/** @module Configuration of the job scheduler; on the master it also configures the provisioning worker and its driver. */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
import { podEnvironment } from '@tenantry/pod-runtime';

const masterOnly = {
  TENANTRY_DOMAIN: z._default(z.string(), 'localhost'),
  TENANTRY_AGENT_URL: z.optional(env.url(['http'])),
  TENANTRY_AGENT_TOKEN: z.optional(z.string()),
  TENANTRY_STORAGE_ROOT: z.optional(z.string()),
  TENANTRY_COMPILE_CACHE_DIR: z.optional(z.string()),
  TENANTRY_TRIAL_DATABASE_URL: z.optional(env.url(['postgres', 'postgresql'])),
  TENANTRY_NAMING_KEY: z.optional(z.string()),
  TENANTRY_POSTGRES_ROOT: z.optional(z.string()),
  TENANTRY_POSTGRES_SUPERUSER_PASSWORD: z.optional(z.string()),
  TENANTRY_POSTGRES_BIN_DIR: z.optional(z.string()),
  TENANTRY_POD_MANIFEST: z.optional(z.string()),
  TENANTRY_PROVISIONING_CONCURRENCY: env.integer(1, 64, 4),
};

const REQUIRED_ON_MASTER = [
  'TENANTRY_AGENT_URL', 'TENANTRY_AGENT_TOKEN', 'TENANTRY_STORAGE_ROOT', 'TENANTRY_TRIAL_DATABASE_URL', 'TENANTRY_NAMING_KEY',
  'TENANTRY_POSTGRES_ROOT', 'TENANTRY_POSTGRES_SUPERUSER_PASSWORD',
] as const;

const schema = z.object({ ...podEnvironment, ...masterOnly }).check(
  z.superRefine((config, ctx) => {
    if (!config.IS_MASTER) return;
    for (const key of REQUIRED_ON_MASTER) {
      if (!config[key]) ctx.issues.push({ code: 'custom', path: [key], message: 'is required when IS_MASTER=true', input: config[key] });
    }
  }),
);

export type SchedulerConfig = z.output<typeof schema>;
export const readSchedulerConfig = () => readConfig('scheduler', schema);
