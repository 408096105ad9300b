/** The bus contract against a real Apache Kafka (KRaft, one node). */
import { Admin } from '@platformatic/kafka';
import { freePort } from '@tenantry/core';
import { useTestKafka } from '@tenantry/analytics-servers/test-support';
import { analyticsBusContract } from './bus.contract.js';
import { KafkaBusConsumer, KafkaPublisher, analyticsTopic, ensureTopics } from './kafka-bus.js';

analyticsBusContract('Kafka', async () => {
  const kafka = await useTestKafka();
  const brokers = [kafka.address];
  // Topics are made per run: a shared server keeps the ones of earlier runs.
  const run = Date.now().toString(36);
  const topic = (tenant: string) => analyticsTopic(`${tenant}-${run}`);
  const admin = new Admin({ clientId: 'contract-test', bootstrapBrokers: brokers });
  return {
    publisher: async (tenant) => {
      // On a managed cluster the master creates each tenant's topic; a producer may not.
      await ensureTopics(admin, [topic(tenant)], 1);
      return new KafkaPublisher(brokers, topic(tenant));
    },
    consumer: (tenants, name, group) =>
      new KafkaBusConsumer({
        brokers,
        group: `${group}-${run}`,
        clientId: name,
        blockMs: 100,
        refreshMs: 500,
        retryDelayMs: 50,
        topics: async () => tenants.map((tenant) => ({ tenant, topic: topic(tenant) })),
      }),
    unreachablePublisher: async (tenant) => new KafkaPublisher([`127.0.0.1:${await freePort()}`], topic(tenant)),
    removeStream: async (tenant) => {
      await admin.deleteTopics({ topics: [topic(tenant)] });
    },
    close: async () => {
      await admin.close();
      await kafka.stop();
    },
  };
});
