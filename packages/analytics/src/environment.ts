/** @module The analytics part of every program's environment (spread into its configuration schema). */
import * as z from 'zod/mini';
import { env } from '@tenantry/core';

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** A comma-separated list of host:port. */
const addresses = (example: string) =>
  z.optional(
    z.pipe(
      z
        .string()
        .check(z.refine((value) => value.split(',').every((a) => HOST_PORT.test(a.trim())), `must be a comma-separated list of host:port, e.g. ${example}`)),
      z.transform((value: string) => value.split(',').map((a) => a.trim())),
    ),
  );

/** What every program's producer reads: the bus. */
export const analyticsPublisherEnvironment = {
  /** Kafka bootstrap brokers; unset, the bus is Redis Streams. */
  KAFKA_BROKERS: addresses('127.0.0.1:9092'),
  /** How clients log in: none (plain), or aws-msk-iam (TLS and IAM on Amazon MSK, signed for AWS_REGION). @defaultValue none */
  KAFKA_AUTH: z._default(z.enum(['none', 'aws-msk-iam'], { message: 'must be none or aws-msk-iam' }), 'none'),
  /** The AWS region, for signing MSK logins (also read by the AWS SDK for S3). */
  AWS_REGION: z.optional(z.string().check(z.minLength(1))),
  /** On Redis Streams, the platform's Redis with a login that may only append to the tenant's stream; unset, REDIS_URL. */
  ANALYTICS_REDIS_URL: z.optional(env.url(['redis', 'rediss'])),
};

/** What the master's provisioning reads to create tenant topics. */
export const analyticsTopicsEnvironment = {
  /** Replicas of each tenant topic the master creates. @defaultValue 1 */
  KAFKA_REPLICAS: env.integer(1, 9, 1),
};

/** What the master's consumer and its usage API read: the store. */
export const analyticsStoreEnvironment = {
  /** Cassandra (or Amazon Keyspaces) contact points; unset, the store is the master's Postgres. */
  CASSANDRA_CONTACT_POINTS: addresses('127.0.0.1:9042'),
  CASSANDRA_LOCAL_DC: z._default(z.string().check(z.minLength(1)), 'datacenter1'),
  CASSANDRA_KEYSPACE: z._default(
    z.string().check(z.regex(/^[a-z][a-z0-9_]{0,47}$/, 'must be a lowercase CQL identifier such as tenantry_analytics')),
    'tenantry_analytics',
  ),
  /** cassandra, or keyspaces (Amazon Keyspaces: TLS, its replication class and table properties, smaller batches). @defaultValue cassandra */
  CASSANDRA_FLAVOR: z._default(z.enum(['cassandra', 'keyspaces'], { message: 'must be cassandra or keyspaces' }), 'cassandra'),
  /** A login, e.g. Keyspaces service-specific credentials; unset, none. */
  CASSANDRA_USERNAME: z.optional(z.string().check(z.minLength(1))),
  CASSANDRA_PASSWORD: z.optional(z.string().check(z.minLength(1))),
};

export const analyticsEnvironment = { ...analyticsPublisherEnvironment, ...analyticsTopicsEnvironment, ...analyticsStoreEnvironment };

export type AnalyticsBackendConfig = z.output<z.ZodMiniObject<typeof analyticsEnvironment>>;
