/** @module Configuration of `tenantry up`, read once from the environment. */
import { resolve } from 'node:path';
import { z } from 'zod';
import { env, readConfig } from '@tenantry/core';

const schema = z
  .object({
    PORT: env.port(8080),
    HOST: z.string().default('127.0.0.1'),
    TENANTRY_HOME: z.string().default('.tenantry').transform((p) => resolve(p)),
    TENANTRY_DOMAIN: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a lowercase domain such as localhost or example.com')
      .default('localhost'),
    DATABASE_URL: env.url(['postgres', 'postgresql']).optional(),
    TRIAL_DATABASE_URL: env.url(['postgres', 'postgresql']).optional(),
    REDIS_URL: env.url(['redis']).optional(),
    TENANTRY_PORTS: z
      .string()
      .regex(/^\d+-\d+$/, 'must be a range such as 20000-29999')
      .default('20000-29999')
      .transform((range) => {
        const [first, last] = range.split('-').map(Number) as [number, number];
        return { first, last };
      })
      .refine((r) => r.first >= 1024 && r.last <= 65535 && r.last - r.first >= 16, 'must be a range of at least 16 ports within 1024-65535'),
    TENANTRY_POD_MANIFEST: z.string().optional(),
    TENANTRY_POSTGRES_BIN_DIR: z.string().optional(),
    TENANTRY_PROVISIONING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    LOG_LEVEL: env.logLevel(),
  })
  .refine((c) => !c.TRIAL_DATABASE_URL || c.DATABASE_URL, { message: 'TRIAL_DATABASE_URL needs DATABASE_URL as well', path: ['TRIAL_DATABASE_URL'] });

export type HostConfig = z.output<typeof schema>;

export function readHostConfig(environment: NodeJS.ProcessEnv = process.env): Readonly<HostConfig> {
  return readConfig('tenantry up', schema, environment);
}
