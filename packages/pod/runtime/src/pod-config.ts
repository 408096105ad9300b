/** @module The pod environment contract, validated at start-up by every tenant-pod program. */
import * as z from 'zod/mini';
import { analyticsEnvironment } from '@tenantry/analytics/pod';
import { TIERS, env } from '@tenantry/core';

/** The variables every program of a pod gets (locally from the compute driver, on Kubernetes from the chart). */
export const podEnvironment = {
  TENANT_ID: z.string().check(z.regex(/^[a-z0-9-]{1,63}$/, 'must be the tenant slug')),
  TENANT_NAME: z.optional(z.string().check(z.minLength(1))),
  TENANT_TIER: z._default(z.enum(TIERS), 'trial'),
  IS_MASTER: env.boolean(false),
  DATABASE_URL: env.url(['postgres', 'postgresql']),
  REDIS_URL: env.url(['redis', 'rediss']),
  /** The only key prefix the pod's Redis login may touch (BullMQ's `prefix`). */
  REDIS_PREFIX: z.optional(z.string().check(z.minLength(1))),
  STORAGE_URL: env.url(['file', 's3']),
  /** An S3-compatible server for s3:// storage (unset on AWS); credentials come from the AWS environment. */
  S3_ENDPOINT: z.optional(env.url(['http', 'https'])),
  /** The tenant's public origin, e.g. https://acme.example.com/ (links in mail, redirects). */
  TENANT_URL: env.url(['http', 'https']),
  PORT: env.port(),
  LOG_LEVEL: env.logLevel(),
  /** The analytics bus and (on the master) store; unset, Redis Streams and the master's Postgres. */
  ...analyticsEnvironment,
};

export const podEnvSchema = z.object(podEnvironment);
export type PodEnv = z.output<typeof podEnvSchema>;
