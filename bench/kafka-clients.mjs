#!/usr/bin/env node
// Kafka clients for Node, compared on the analytics workload against one real Kafka (KRaft, started here from
// Maven Central jars, or the one TENANTRY_TEST_KAFKA names): --events JSON events of about 200 bytes produced in
// batches of 500 (8 in flight, leader acknowledgement), then consumed by a consumer group that commits after each batch, as the master
// does. Candidates that install on this machine's Node 20 and on Node 24: kafkajs 2.2.4 (no release since 2023)
// and @platformatic/kafka 1.x (2.x needs Node 22). @confluentinc/kafka-javascript is left out: its install
// downloads a prebuilt librdkafka from GitHub, and its fallback build downloads zlib and OpenSSL sources.
//
//   node bench/kafka-clients.mjs [--events 200000] [--rounds 3] [--limit-s 300]
import { log, onCleanup, parseFlags, runBench } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), { events: 200_000, rounds: 3, 'limit-s': 300 });
const BATCH = 500;
const IN_FLIGHT = 8;
const lib = (path) => new URL(`../packages/${path}`, import.meta.url).href;

const event = (i) =>
  JSON.stringify({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    tenantId: 'bench',
    type: 'request',
    schemaVersion: 1,
    at: Date.now(),
    data: { route: '/api/projects/:id', method: 'GET', status: 200, latencyMs: 3.2 },
  });

async function produceAll(send) {
  const started = performance.now();
  const inFlight = [];
  for (let i = 0; i < flags.events; i += BATCH) {
    inFlight.push(send(Array.from({ length: BATCH }, (_, j) => event(i + j))));
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return Math.round(flags.events / ((performance.now() - started) / 1000));
}

const clients = {
  async kafkajs(brokers, topic) {
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench' });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const produced = await produceAll((values) => producer.send({ topic, acks: 1, messages: values.map((value) => ({ value })) }));
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `bench-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let got = 0;
    const started = performance.now();
    await new Promise((resolve) =>
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) JSON.parse(m.value.toString());
          got += batch.messages.length;
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
          if (got >= flags.events) resolve();
        },
      }),
    );
    const consumed = Math.round(flags.events / ((performance.now() - started) / 1000));
    await consumer.disconnect();
    return { produced, consumed };
  },

  async '@platformatic/kafka'(brokers, topic) {
    // The adapter the platform uses: the same producer and consumer code as the master and the pods.
    const { KafkaBusConsumer, KafkaTopicsBusDriver } = await import(lib('analytics/dist/index.js'));
    const { Producer, ProduceAcks, stringSerializers } = await import('@platformatic/kafka');
    const slug = topic.replace('tenantry.analytics.', '');
    await new KafkaTopicsBusDriver(brokers).create({ slug, name: slug, tier: 'trial' });
    const producer = new Producer({ clientId: 'bench', bootstrapBrokers: brokers, serializers: stringSerializers, acks: ProduceAcks.LEADER });
    const produced = await produceAll((values) => producer.send({ messages: values.map((value) => ({ topic, value })) }));
    await producer.close();
    const consumer = new KafkaBusConsumer({ brokers, group: `bench-${topic}`, topics: async () => [{ tenant: 'bench', topic }], batchSize: 2_000 });
    let got = 0;
    const abort = new AbortController();
    const started = performance.now();
    await consumer.run(async (batch) => {
      got += batch.events.length;
      if (got >= flags.events) abort.abort();
    }, abort.signal);
    const consumed = Math.round(flags.events / ((performance.now() - started) / 1000));
    await consumer.close();
    return { produced, consumed };
  },
};

await runBench('kafka-clients', flags['limit-s'] * 1000, async () => {
  const { useTestKafka } = await import(lib('analytics-servers/dist/test-support.js'));
  const { analyticsTopic } = await import(lib('analytics/dist/index.js'));
  const kafka = await useTestKafka();
  onCleanup(() => kafka.stop());
  const rounds = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
  for (let round = 0; round < flags.rounds; round++) {
    for (const [name, run] of Object.entries(clients)) {
      const result = await run([kafka.address], analyticsTopic(`clients-${Date.now().toString(36)}-${round}`));
      log(`${name} round ${round + 1}: produced ${result.produced}/s, consumed ${result.consumed}/s`);
      rounds[name].push(result);
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(rounds).map(([name, results]) => [
      name,
      { producedPerSecond: median(results.map((r) => r.produced)), consumedPerSecond: median(results.map((r) => r.consumed)) },
    ]),
  );
  for (const [name, s] of Object.entries(summary))
    log(`${name}: median produced ${s.producedPerSecond}/s, consumed (with a commit per batch) ${s.consumedPerSecond}/s`);
  return { parameters: { events: flags.events, rounds: flags.rounds, batch: BATCH, inFlight: IN_FLIGHT }, rounds, summary };
});
