/**
 * @module Which bus and which store a program uses, chosen by its environment: Kafka when KAFKA_BROKERS is set,
 * else Redis Streams in the tenant's own Redis; Cassandra when CASSANDRA_CONTACT_POINTS is set, else the master's
 * Postgres. Every program spreads `analyticsEnvironment` into its configuration schema. This is the master's side;
 * a tenant program's (the publisher) is in publisher.ts, which never loads the Kafka or Cassandra client unless used.
 */
import { tenantRedisPrefix } from '@tenantry/core';
import { cassandraStoreOptions } from './cassandra-config.js';
import { CassandraStore } from './cassandra-store.js';
import type { BusConsumer } from './bus.js';
import type { AnalyticsBackendConfig } from './environment.js';
import { kafkaAuthFrom } from './kafka-auth.js';
import { KafkaBusConsumer, analyticsTopic } from './kafka-bus.js';
import { PostgresAnalyticsStore } from './postgres-store.js';
import { RedisStreamConsumer, analyticsStream } from './redis-streams-bus.js';
import type { AnalyticsStore } from './store.js';

export * from './environment.js';
export { openPublisher } from './publisher.js';

/** The master's consumer of every tenant's topic or stream, in one consumer group. */
export function openConsumer(
  config: Pick<AnalyticsBackendConfig, 'KAFKA_BROKERS' | 'KAFKA_REPLICAS' | 'KAFKA_AUTH' | 'AWS_REGION'>,
  options: { redisUrl: string; group: string; consumer: string; tenants: () => Promise<string[]> },
): BusConsumer {
  if (config.KAFKA_BROKERS) {
    return new KafkaBusConsumer({
      brokers: config.KAFKA_BROKERS,
      auth: kafkaAuthFrom(config),
      group: options.group,
      clientId: options.consumer,
      replicas: config.KAFKA_REPLICAS,
      topics: async () => (await options.tenants()).map((tenant) => ({ tenant, topic: analyticsTopic(tenant) })),
    });
  }
  return new RedisStreamConsumer({
    redisUrl: options.redisUrl,
    group: options.group,
    consumer: options.consumer,
    streams: async () => (await options.tenants()).map((tenant) => ({ tenant, stream: analyticsStream(tenantRedisPrefix(tenant)) })),
  });
}

export type CassandraConfig = Pick<
  AnalyticsBackendConfig,
  'CASSANDRA_LOCAL_DC' | 'CASSANDRA_KEYSPACE' | 'CASSANDRA_FLAVOR' | 'CASSANDRA_USERNAME' | 'CASSANDRA_PASSWORD'
>;

/** The master's store: Cassandra when configured, else tables in its own Postgres. */
export function openStore(
  config: Pick<AnalyticsBackendConfig, 'CASSANDRA_CONTACT_POINTS'> & CassandraConfig,
  databaseUrl: string,
  poolSize?: number,
): AnalyticsStore {
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
