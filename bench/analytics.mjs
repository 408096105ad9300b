#!/usr/bin/env node
// Analytics throughput and lag, on both paths in one run: --tenants producers (one stream or topic each, as
// tenant programs publish) record --rate events/s in total for --duration-s seconds; the master's consumer (a
// worker thread: the bus's consumer group → the store) stores them. Measures events/s produced and stored,
// end-to-end lag (record → written to the store) p50/p99, drops, and checks the store holds exactly what was
// published. Real servers, started here: redis-server and Postgres; Kafka and Cassandra from Maven Central jars
// (or the ones TENANTRY_TEST_KAFKA / TENANTRY_TEST_CASSANDRA name).
//
// Each path first runs --warmup-s seconds at the same rate, not measured: the JVM servers start cold.
//
//   node bench/analytics.mjs [--paths embedded,kafka-cassandra] [--tenants 20] [--rate 25000] [--duration-s 10] [--warmup-s 10] [--limit-s 600]
import { Worker } from 'node:worker_threads';
import { log, onCleanup, parseFlags, percentile, runBench } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), {
  paths: 'embedded,kafka-cassandra',
  tenants: 20,
  rate: 25_000,
  'duration-s': 10,
  'warmup-s': 10,
  'flush-ms': 250,
  'limit-s': 600,
});
const lib = (path) => new URL(`../packages/${path}`, import.meta.url).href;

const CONSUMER = `
import { parentPort, workerData } from 'node:worker_threads';
const { openConsumer, openStore } = await import(workerData.analytics);
const store = openStore(workerData.config, workerData.databaseUrl, 4);
await store.migrate();
const consumer = openConsumer(workerData.config, { redisUrl: workerData.redisUrl, group: 'bench', consumer: 'bench-1', tenants: async () => workerData.tenants });
const abort = new AbortController();
parentPort.on('message', (m) => { if (m === 'stop') abort.abort(); });
const lags = [];
let stored = 0, first = 0, last = 0;
await consumer.run(async (batch) => {
  await store.write(batch.events);
  const now = Date.now();
  if (!first) first = now;
  last = now;
  stored += batch.events.length;
  for (const e of batch.events) lags.push(now - e.at);
  parentPort.postMessage({ stored });
}, abort.signal);
const counted = (await store.tenants({ from: new Date(Date.now() - 3600e3), to: new Date(Date.now() + 3600e3), tenants: workerData.tenants })).reduce((n, t) => n + t.requests, 0);
await consumer.close();
await store.close();
parentPort.postMessage({ done: true, stored, counted, lags, first, last });
`;

const PATHS = {
  embedded: 'producers → Redis Streams (one per tenant) → consumer group → Postgres',
  'kafka-cassandra': 'producers → Kafka (one topic per tenant) → consumer group → Cassandra',
};

/** One path: producers at the target rate, the consumer in a worker, then the counts. */
async function measure(label, path, { redisUrl, databaseUrl, config }, seconds = flags['duration-s']) {
  const analytics = await import(lib('analytics/dist/index.js'));
  const run = Date.now().toString(36);
  const tenants = Array.from({ length: flags.tenants }, (_, i) => `bench-${run}-${i}`);
  if (config.KAFKA_BROKERS) {
    const topics = new analytics.KafkaTopicsBusDriver(config.KAFKA_BROKERS);
    for (const slug of tenants) await topics.create({ slug, name: slug, tier: 'trial' });
  }
  const worker = new Worker(CONSUMER, { eval: true, workerData: { analytics: lib('analytics/dist/index.js'), redisUrl, databaseUrl, config, tenants } });
  const stopWorker = () => worker.terminate();
  onCleanup(stopWorker);
  let stored = 0;
  const finished = new Promise((resolve, reject) => {
    worker.on('message', (m) => (m.done ? resolve(m) : (stored = m.stored)));
    worker.on('error', reject);
  });
  const producers = tenants.map(
    (t) =>
      new analytics.AnalyticsProducer(t, analytics.openPublisher(config, t, { url: redisUrl, prefix: `t:${t}` }), {
        maxBuffered: 50_000,
        flushIntervalMs: flags['flush-ms'],
        batchSize: 1000,
      }),
  );

  log(`${label}: ${flags.tenants} tenants, ${flags.rate} events/s for ${seconds} s`);
  const started = performance.now();
  const end = started + seconds * 1000;
  let produced = 0;
  while (performance.now() < end) {
    // Every 10 ms, catch up to the target rate.
    const due = Math.floor(((performance.now() - started) / 1000) * flags.rate);
    for (; produced < due; produced += 1)
      producers[produced % producers.length].record('request', { route: '/api/projects/:id', method: 'GET', status: 200, latencyMs: 3 });
    await new Promise((r) => setTimeout(r, 10));
  }
  const produceSeconds = (performance.now() - started) / 1000;
  await Promise.all(producers.map((p) => p.flush()));
  const stats = producers
    .map((p) => p.stats())
    .reduce((a, s) => ({ published: a.published + s.published, dropped: a.dropped + s.dropped, failures: a.failures + s.publishFailures }), {
      published: 0,
      dropped: 0,
      failures: 0,
    });
  const deadline = Date.now() + 60_000;
  while (stored < stats.published && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  worker.postMessage('stop');
  const result = await finished;
  await Promise.all(producers.map((p) => p.close()));
  const lags = result.lags;
  const summary = {
    recorded: produced,
    producedPerSecond: Math.round(produced / produceSeconds),
    published: stats.published,
    dropped: stats.dropped,
    publishFailures: stats.failures,
    stored: result.stored,
    countedInStore: result.counted,
    exact: result.counted === stats.published,
    storedPerSecond: Math.round(result.stored / Math.max(0.001, (result.last - result.first) / 1000)),
    lagMs: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags.reduce((a, b) => Math.max(a, b), 0) },
  };
  log(
    `${label}: recorded ${summary.recorded} (${summary.producedPerSecond}/s), published ${summary.published}, dropped ${summary.dropped}, stored ${summary.stored} (${summary.storedPerSecond}/s), counted ${summary.countedInStore}${summary.exact ? ' (exact)' : ' (NOT exact)'}`,
  );
  log(`${label}: lag p50 ${summary.lagMs.p50} ms, p99 ${summary.lagMs.p99} ms, max ${summary.lagMs.max} ms`);
  const met = summary.storedPerSecond >= 20_000 && summary.lagMs.p99 < 2_000 && summary.dropped === 0 && summary.exact;
  log(`${label}: target ≥ 20,000 events/s with lag p99 < 2 s: ${met ? 'met' : 'NOT met'}`);
  return { path: PATHS[path], summary, targetMet: met };
}

await runBench('analytics', flags['limit-s'] * 1000, async () => {
  const { startTestPostgres, startTestRedis } = await import(lib('drivers/local/dist/test-support/index.js'));
  const { useTestCassandra, useTestKafka } = await import(lib('analytics-servers/dist/test-support.js'));
  const [redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres()]);
  onCleanup(() => Promise.all([redis.stop(), postgres.stop()]));
  const results = {};
  for (const path of flags.paths.split(',')) {
    if (!PATHS[path]) throw new Error(`unknown path ${path}: choose ${Object.keys(PATHS).join(', ')}`);
    let config = { KAFKA_REPLICAS: 1, CASSANDRA_LOCAL_DC: 'datacenter1', CASSANDRA_KEYSPACE: 'bench_analytics' };
    if (path === 'kafka-cassandra') {
      // One after the other: each JVM wants a core while it starts.
      const kafka = await useTestKafka();
      onCleanup(() => kafka.stop());
      const cassandra = await useTestCassandra();
      onCleanup(() => cassandra.stop());
      config = { ...config, KAFKA_BROKERS: [kafka.address], CASSANDRA_CONTACT_POINTS: [cassandra.address] };
    }
    if (flags['warmup-s'] > 0) {
      await measure(`${path} (warm-up, not counted)`, path, { redisUrl: redis.url, databaseUrl: postgres.adminUrl, config }, flags['warmup-s']);
    }
    results[path] = await measure(path, path, { redisUrl: redis.url, databaseUrl: postgres.adminUrl, config });
  }
  return {
    parameters: {
      tenants: flags.tenants,
      targetRate: flags.rate,
      durationSeconds: flags['duration-s'],
      warmupSeconds: flags['warmup-s'],
      paths: Object.fromEntries(Object.keys(results).map((p) => [p, PATHS[p]])),
    },
    results,
    targetMet: Object.values(results).every((r) => r.targetMet),
  };
});
