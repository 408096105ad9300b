/**
 * Analytics end to end on Kafka → Cassandra (TENANTRY_ANALYTICS=kafka-cassandra). Kafka is this test's own, so
 * that freezing it touches nothing else; Cassandra is the shared test server.
 */
import { useTestCassandra, useTestKafka } from '@tenantry/analytics-servers/test-support';
import { analyticsFlow } from './analytics-flow.scenario.js';

analyticsFlow('Kafka → Cassandra', '21500-21999', async () => {
  const kafka = await useTestKafka({ dedicated: true });
  const cassandra = await useTestCassandra();
  return {
    env: {
      TENANTRY_ANALYTICS: 'kafka-cassandra',
      KAFKA_BROKERS: kafka.address,
      CASSANDRA_CONTACT_POINTS: cassandra.address,
      // A keyspace of its own: the shared Cassandra keeps other tests' and runs' data.
      CASSANDRA_KEYSPACE: `flow_${Date.now().toString(36)}`,
    },
    busPid: () => kafka.pid!,
    close: async () => {
      await kafka.stop();
      await cassandra.stop();
    },
  };
});
