/** @module @tenantry/analytics: the event envelope, the producer, the bus (Redis Streams; Kafka next) and the store (Postgres; Cassandra next). */
export * from './events.js';
export * from './bus.js';
export * from './producer.js';
export * from './store.js';
export * from './redis-streams-bus.js';
export * from './postgres-store.js';
