/** @module @tenantry/analytics-servers: Apache Kafka and Apache Cassandra as local processes, from Maven Central. */
export * from './servers.js';
export type { Launch } from './launch.js';
export { MavenFetchError } from './maven-cache.js';
export { KAFKA_VERSION } from './kafka.js';
export { CASSANDRA_VERSION } from './cassandra.js';
