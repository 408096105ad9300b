/** @module Configuration of `tenantry up`, read once from the environment. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';

/** The ports the kernel hands to outgoing connections (Linux); tenant ports must stay out of it. */
function ephemeralPorts(): { first: number; last: number } | undefined {
  try {
    const [first, last] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return first && last ? { first, last } : undefined;
  } catch {
    return undefined;
  }
}

const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

const schema = z
  .object({
    PORT: env.port(8080),
    HOST: z._default(z.string(), '127.0.0.1'),
    TENANTRY_HOME: z.pipe(z._default(z.string(), '.tenantry'), z.transform((p: string) => resolve(p))),
    TENANTRY_DOMAIN: z._default(z.string().check(z.regex(DOMAIN, 'must be a lowercase domain such as localhost or example.com')), 'localhost'),
    DATABASE_URL: z.optional(env.url(['postgres', 'postgresql'])),
    TRIAL_DATABASE_URL: z.optional(env.url(['postgres', 'postgresql'])),
    REDIS_URL: z.optional(env.url(['redis'])),
    TENANTRY_PORTS: z.pipe(
      z._default(z.string().check(z.regex(/^\d+-\d+$/, 'must be a range such as 20000-29999')), '20000-29999'),
      z.transform((range: string) => {
        const [first, last] = range.split('-').map(Number) as [number, number];
        return { first, last };
      }).check(
        z.refine((r) => r.first >= 1024 && r.last <= 65535 && r.last - r.first >= 16, 'must be a range of at least 16 ports within 1024-65535'),
        z.superRefine((r, ctx) => {
          const kernel = ephemeralPorts();
          if (kernel && r.first <= kernel.last && r.last >= kernel.first) {
            ctx.issues.push({
              code: 'custom',
              input: r,
              message: `overlaps ${kernel.first}-${kernel.last}, the ports the kernel gives to outgoing connections, which would take tenants' ports; choose a range outside it, e.g. 20000-29999`,
            });
          }
        }),
      ),
    ),
    TENANTRY_POD_MANIFEST: z.optional(z.string()),
    TENANTRY_POSTGRES_BIN_DIR: z.optional(z.string()),
    TENANTRY_PROVISIONING_CONCURRENCY: env.integer(1, 64, 4),
    LOG_LEVEL: env.logLevel(),
  })
  .check(z.refine((c) => !c.TRIAL_DATABASE_URL || Boolean(c.DATABASE_URL), { message: 'TRIAL_DATABASE_URL needs DATABASE_URL as well', path: ['TRIAL_DATABASE_URL'] }));

export type HostConfig = z.output<typeof schema>;

export function readHostConfig(environment: NodeJS.ProcessEnv = process.env): Readonly<HostConfig> {
  return readConfig('tenantry up', schema, environment);
}
