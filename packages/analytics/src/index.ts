/** @module @tenantry/analytics: the event envelope, the producer, the buses (Redis Streams, Kafka), the stores (Postgres, Cassandra) and the choice between them. */
export * from './events.js';
export * from './bus.js';
export * from './producer.js';
export * from './store.js';
export * from './redis-streams-bus.js';
export * from './kafka-auth.js';
export * from './kafka-bus.js';
export * from './bus-drivers.js';
export * from './postgres-store.js';
export * from './cassandra-store.js';
export * from './backends.js';
