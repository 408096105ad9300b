/**
 * @module A tenant program's side of analytics: where its events go. Nothing here imports the Kafka client: a
 * static import would load it in every program (the bundler keeps an external package's import in the chunk
 * shared with the program's entry), so it is loaded only when KAFKA_BROKERS is set.
 */
import type { BusPublisher } from './bus.js';
import type { AnalyticsBackendConfig } from './environment.js';
import { kafkaAuthFrom } from './kafka-auth.js';
import { RedisStreamPublisher, analyticsStream } from './redis-streams-bus.js';

/** What a tenant program publishes to: its Kafka topic, or the stream under its Redis prefix (on the platform's Redis, with its analytics login when it has one). */
export function openPublisher(
  config: Pick<AnalyticsBackendConfig, 'KAFKA_BROKERS' | 'KAFKA_AUTH' | 'AWS_REGION' | 'ANALYTICS_REDIS_URL'>,
  tenant: string,
  redis: { url: string; prefix: string },
): BusPublisher {
  const brokers = config.KAFKA_BROKERS;
  if (!brokers) return new RedisStreamPublisher(config.ANALYTICS_REDIS_URL ?? redis.url, analyticsStream(redis.prefix));
  const auth = kafkaAuthFrom(config);
  // The Kafka client is loaded only when it is used: a pod on the embedded path does not carry it.
  const kafka = import('./kafka-bus.js').then((bus) => new bus.KafkaPublisher(brokers, bus.analyticsTopic(tenant), `tenantry-${tenant}`, auth));
  return {
    publish: async (events) => (await kafka).publish(events),
    close: async () => (await kafka).close(),
  };
}
