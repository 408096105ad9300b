/**
 * @module The pod environment contract as each program validates it at start-up: one schema per group of
 * variables, which a program spreads into its configuration only if it reads them (what it reads is declared in the
 * pod manifest, and a test holds the two equal). The names and their meaning are @tenantry/pod-contract's.
 */
import { isIP } from 'node:net';
import * as z from 'zod/mini';
import { analyticsPublisherEnvironment, analyticsStoreEnvironment, analyticsTopicsEnvironment } from '@tenantry/analytics/pod';
import { TIERS, env } from '@tenantry/core';
import { isPodVariable, type PodVariable } from '@tenantry/pod-contract';

type ContractSchemas = Partial<Record<PodVariable, z.ZodMiniType>>;

/** What every program reads (POD_BASE): who it is, where it listens, and its analytics publisher. */
export const podBaseEnvironment = {
  TENANT_ID: z.string().check(z.regex(/^[a-z0-9-]{1,63}$/, 'must be the tenant slug')),
  TENANT_NAME: z.optional(z.string().check(z.minLength(1))),
  TENANT_TIER: z._default(z.enum(TIERS), 'trial'),
  IS_MASTER: env.boolean(false),
  /** The tenant's public origin, e.g. https://acme.example.com/ (links in mail, redirects). */
  TENANT_URL: env.url(['http', 'https']),
  LOG_LEVEL: env.logLevel(),
  /** Set by the compute driver: loopback on one machine, every interface in a container. No default, so a deployment that forgets it is told. */
  HOST: z.string().check(z.refine((value) => isIP(value) !== 0, 'must be the IP address to listen on, e.g. 127.0.0.1, or 0.0.0.0 in a container')),
  PORT: env.port(),
  REDIS_URL: env.url(['redis', 'rediss']),
  /** The only key prefix the pod's Redis login may touch (BullMQ's `prefix`). */
  REDIS_PREFIX: z.optional(z.string().check(z.minLength(1))),
  ...analyticsPublisherEnvironment,
} satisfies ContractSchemas;

export const podDatabaseEnvironment = {
  DATABASE_URL: env.url(['postgres', 'postgresql']),
} satisfies ContractSchemas;

/** What a program that reads and writes the tenant's files reads besides (POD_STORAGE). */
export const podStorageEnvironment = {
  STORAGE_URL: env.url(['file', 's3']),
  /** An S3-compatible server for s3:// storage (unset on AWS). */
  S3_ENDPOINT: z.optional(env.url(['http', 'https'])),
  // Read by the AWS SDK itself; declared so that the program is known to read them.
  AWS_ACCESS_KEY_ID: z.optional(z.string()),
  AWS_SECRET_ACCESS_KEY: z.optional(z.string()),
  AWS_SESSION_TOKEN: z.optional(z.string()),
} satisfies ContractSchemas;

export const podTopicsEnvironment = analyticsTopicsEnvironment satisfies ContractSchemas;
/** The master's analytics store (ANALYTICS_STORE). */
export const podAnalyticsStoreEnvironment = analyticsStoreEnvironment satisfies ContractSchemas;

/** The contract variables a configuration schema reads: what its program's manifest entry must declare. */
export function contractVariablesOf(schema: { def: { shape: Record<string, unknown> } }): PodVariable[] {
  return Object.keys(schema.def.shape).filter(isPodVariable).sort();
}
