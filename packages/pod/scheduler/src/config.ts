/** @module Configuration of the job scheduler; on the master it also configures the provisioning worker and its driver. */
import { z } from 'zod';
import { env, readConfig } from '@tenantry/core';
import { podEnvironment } from '@tenantry/pod-runtime';

const masterOnly = {
  TENANTRY_DOMAIN: z.string().default('localhost'),
  TENANTRY_AGENT_URL: env.url(['http']).optional(),
  TENANTRY_AGENT_TOKEN: z.string().optional(),
  TENANTRY_STORAGE_ROOT: z.string().optional(),
  TENANTRY_COMPILE_CACHE_DIR: z.string().optional(),
  TENANTRY_TRIAL_DATABASE_URL: env.url(['postgres', 'postgresql']).optional(),
  TENANTRY_NAMING_KEY: z.string().optional(),
  TENANTRY_POSTGRES_ROOT: z.string().optional(),
  TENANTRY_POSTGRES_SUPERUSER_PASSWORD: z.string().optional(),
  TENANTRY_POSTGRES_BIN_DIR: z.string().optional(),
  TENANTRY_POD_MANIFEST: z.string().optional(),
  TENANTRY_PROVISIONING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
};

const REQUIRED_ON_MASTER = [
  'TENANTRY_AGENT_URL', 'TENANTRY_AGENT_TOKEN', 'TENANTRY_STORAGE_ROOT', 'TENANTRY_TRIAL_DATABASE_URL', 'TENANTRY_NAMING_KEY',
  'TENANTRY_POSTGRES_ROOT', 'TENANTRY_POSTGRES_SUPERUSER_PASSWORD',
] as const;

const schema = z.object({ ...podEnvironment, ...masterOnly }).superRefine((config, ctx) => {
  if (!config.IS_MASTER) return;
  for (const key of REQUIRED_ON_MASTER) {
    if (!config[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when IS_MASTER=true' });
  }
});

export type SchedulerConfig = z.output<typeof schema>;
export const readSchedulerConfig = () => readConfig('scheduler', schema);
