/**
 * @module @tenantry/analytics/pod: what a tenant pod's programs use (the environment, the producer and its
 * publisher), without the master's consumers and stores, so their Kafka and Cassandra clients stay unloaded.
 */
export * from './events.js';
export * from './producer.js';
export * from './environment.js';
export { openPublisher } from './publisher.js';
