/**
 * @module Which bus and which store a program uses, chosen by its environment: Kafka when KAFKA_BROKERS is set,
 * else Redis Streams in the tenant's own Redis; Cassandra when CASSANDRA_CONTACT_POINTS is set, else the master's
 * Postgres. Every program spreads `analyticsEnvironment` into its configuration schema.
 */
import * as z from 'zod/mini';
import { env } from '@tenantry/core';
import { cassandraStoreOptions } from './cassandra-config.js';
import { CassandraStore } from './cassandra-store.js';
import type { BusConsumer, BusPublisher } from './bus.js';
import { kafkaAuthFrom } from './kafka-auth.js';
import { KafkaBusConsumer, analyticsTopic } from './kafka-bus.js';
import { PostgresAnalyticsStore } from './postgres-store.js';
import { RedisStreamConsumer, RedisStreamPublisher, analyticsStream } from './redis-streams-bus.js';
import type { AnalyticsStore } from './store.js';

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** A comma-separated list of host:port. */
const addresses = (example: string) =>
  z.optional(
    z.pipe(
      z.string().check(z.refine((value) => value.split(',').every((a) => HOST_PORT.test(a.trim())), `must be a comma-separated list of host:port, e.g. ${example}`)),
      z.transform((value: string) => value.split(',').map((a) => a.trim())),
    ),
  );

export const analyticsEnvironment = {
  /** Kafka bootstrap brokers; unset, the bus is Redis Streams. */
  KAFKA_BROKERS: addresses('127.0.0.1:9092'),
  /** Replicas of each tenant topic the master creates. @defaultValue 1 */
  KAFKA_REPLICAS: env.integer(1, 9, 1),
  /** How clients log in: none (plain), or aws-msk-iam (TLS and IAM on Amazon MSK, signed for AWS_REGION). @defaultValue none */
  KAFKA_AUTH: z._default(z.enum(['none', 'aws-msk-iam'], { message: 'must be none or aws-msk-iam' }), 'none'),
  /** The AWS region, for signing MSK logins (also read by the AWS SDK for S3). */
  AWS_REGION: z.optional(z.string().check(z.minLength(1))),
  /** Cassandra (or Amazon Keyspaces) contact points; unset, the store is the master's Postgres. */
  CASSANDRA_CONTACT_POINTS: addresses('127.0.0.1:9042'),
  CASSANDRA_LOCAL_DC: z._default(z.string().check(z.minLength(1)), 'datacenter1'),
  CASSANDRA_KEYSPACE: z._default(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,47}$/, 'must be a lowercase CQL identifier such as tenantry_analytics')), 'tenantry_analytics'),
  /** cassandra, or keyspaces (Amazon Keyspaces: TLS, its replication class and table properties, smaller batches). @defaultValue cassandra */
  CASSANDRA_FLAVOR: z._default(z.enum(['cassandra', 'keyspaces'], { message: 'must be cassandra or keyspaces' }), 'cassandra'),
  /** A login, e.g. Keyspaces service-specific credentials; unset, none. */
  CASSANDRA_USERNAME: z.optional(z.string().check(z.minLength(1))),
  CASSANDRA_PASSWORD: z.optional(z.string().check(z.minLength(1))),
};

export type AnalyticsBackendConfig = z.output<z.ZodMiniObject<typeof analyticsEnvironment>>;

/** What a tenant program publishes to: its Kafka topic, or the stream under its Redis prefix. */
export function openPublisher(config: Pick<AnalyticsBackendConfig, 'KAFKA_BROKERS' | 'KAFKA_AUTH' | 'AWS_REGION'>, tenant: string, redis: { url: string; prefix: string }): BusPublisher {
  const brokers = config.KAFKA_BROKERS;
  if (!brokers) return new RedisStreamPublisher(redis.url, analyticsStream(redis.prefix));
  const auth = kafkaAuthFrom(config);
  // The Kafka client is loaded only when it is used: a pod on the embedded path does not carry it.
  const kafka = import('./kafka-bus.js').then((bus) => new bus.KafkaPublisher(brokers, bus.analyticsTopic(tenant), `tenantry-${tenant}`, auth));
  return {
    publish: async (events) => (await kafka).publish(events),
    close: async () => (await kafka).close(),
  };
}

/** The master's consumer of every tenant's topic or stream, in one consumer group. */
export function openConsumer(
  config: Pick<AnalyticsBackendConfig, 'KAFKA_BROKERS' | 'KAFKA_REPLICAS' | 'KAFKA_AUTH' | 'AWS_REGION'>,
  options: { redisUrl: string; group: string; consumer: string; tenants: () => Promise<string[]> },
): BusConsumer {
  if (config.KAFKA_BROKERS) {
    return new KafkaBusConsumer({
      brokers: config.KAFKA_BROKERS, auth: kafkaAuthFrom(config), group: options.group, clientId: options.consumer, replicas: config.KAFKA_REPLICAS,
      topics: async () => (await options.tenants()).map((tenant) => ({ tenant, topic: analyticsTopic(tenant) })),
    });
  }
  return new RedisStreamConsumer({
    redisUrl: options.redisUrl, group: options.group, consumer: options.consumer,
    streams: async () => (await options.tenants()).map((tenant) => ({ tenant, stream: analyticsStream(`t:${tenant}`) })),
  });
}

export type CassandraConfig = Pick<AnalyticsBackendConfig, 'CASSANDRA_LOCAL_DC' | 'CASSANDRA_KEYSPACE' | 'CASSANDRA_FLAVOR' | 'CASSANDRA_USERNAME' | 'CASSANDRA_PASSWORD'>;

/** The master's store: Cassandra when configured, else tables in its own Postgres. */
export function openStore(config: Pick<AnalyticsBackendConfig, 'CASSANDRA_CONTACT_POINTS'> & CassandraConfig, databaseUrl: string, poolSize?: number): AnalyticsStore {
  return config.CASSANDRA_CONTACT_POINTS
    ? new CassandraStore(cassandraStoreOptions({ ...config, CASSANDRA_CONTACT_POINTS: config.CASSANDRA_CONTACT_POINTS }))
    : new PostgresAnalyticsStore(databaseUrl, poolSize);
}

/** One line for logs and `tenantry up`: which bus and store are in use. */
export function describeBackends(config: Pick<AnalyticsBackendConfig, 'KAFKA_BROKERS' | 'CASSANDRA_CONTACT_POINTS'>): string {
  const bus = config.KAFKA_BROKERS ? `Kafka (${config.KAFKA_BROKERS.join(',')})` : 'Redis Streams';
  const store = config.CASSANDRA_CONTACT_POINTS ? `Cassandra (${config.CASSANDRA_CONTACT_POINTS.join(',')})` : 'Postgres';
  return `${bus} → ${store}`;
}
