/** @module What the master's controller takes from the pod program that runs it: the master's database, Redis and analytics settings. */
import type { AnalyticsBackendConfig } from '@tenantry/analytics';

export type ControllerPod = Pick<
  AnalyticsBackendConfig,
  | 'KAFKA_BROKERS'
  | 'KAFKA_REPLICAS'
  | 'KAFKA_AUTH'
  | 'AWS_REGION'
  | 'CASSANDRA_CONTACT_POINTS'
  | 'CASSANDRA_LOCAL_DC'
  | 'CASSANDRA_KEYSPACE'
  | 'CASSANDRA_FLAVOR'
  | 'CASSANDRA_USERNAME'
  | 'CASSANDRA_PASSWORD'
> & {
  /** The master's database: the tenant catalog and the analytics store's tables. */
  DATABASE_URL: string;
  /** The platform's Redis: the provisioning queue and the analytics streams. */
  REDIS_URL: string;
};
