#!/usr/bin/env node
// Analytics throughput and lag on the embedded path: --tenants producers (one Redis stream each, as
// tenant programs publish) record --rate events/s in total for --duration-s seconds; the master's
// consumer (a worker thread: RedisStreamConsumer → PostgresAnalyticsStore) stores them. Measures
// events/s produced and stored, end-to-end lag (record → committed in Postgres) p50/p99, drops, and
// checks the store holds exactly what was published. Real redis-server and Postgres, started here.
//
//   node bench/analytics.mjs [--tenants 20] [--rate 25000] [--duration-s 10] [--limit-s 300]
import { Worker } from 'node:worker_threads';
import { log, onCleanup, parseFlags, percentile, runBench } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), { tenants: 20, rate: 25_000, 'duration-s': 10, 'limit-s': 300 });
const lib = (path) => new URL(`../packages/${path}`, import.meta.url).href;

const CONSUMER = `
import { parentPort, workerData } from 'node:worker_threads';
const { PostgresAnalyticsStore, RedisStreamConsumer, analyticsStream } = await import(workerData.analytics);
const store = new PostgresAnalyticsStore(workerData.databaseUrl, 4);
await store.migrate();
const consumer = new RedisStreamConsumer({
  redisUrl: workerData.redisUrl, group: 'bench', consumer: 'bench-1', batchSize: 2000, blockMs: 200, refreshMs: 1000,
  streams: async () => workerData.tenants.map((tenant) => ({ tenant, stream: analyticsStream('t:' + tenant) })),
});
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
const counted = (await store.tenants({ from: new Date(Date.now() - 3600e3), to: new Date(Date.now() + 3600e3) })).reduce((n, t) => n + t.requests, 0);
await consumer.close();
await store.close();
parentPort.postMessage({ done: true, stored, counted, lags, first, last });
`;

await runBench('analytics', flags['limit-s'] * 1000, async () => {
  const { startTestPostgres, startTestRedis } = await import(lib('drivers/local/dist/test-support/index.js'));
  const { AnalyticsProducer, RedisStreamPublisher, analyticsStream } = await import(lib('analytics/dist/index.js'));
  const [redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres()]);
  onCleanup(() => Promise.all([redis.stop(), postgres.stop()]));
  const tenants = Array.from({ length: flags.tenants }, (_, i) => `bench-${i}`);
  const worker = new Worker(CONSUMER, { eval: true, workerData: { analytics: lib('analytics/dist/index.js'), redisUrl: redis.url, databaseUrl: postgres.adminUrl, tenants } });
  onCleanup(() => worker.terminate());
  let stored = 0;
  const finished = new Promise((resolve, reject) => {
    worker.on('message', (m) => (m.done ? resolve(m) : (stored = m.stored)));
    worker.on('error', reject);
  });
  const producers = tenants.map((t) => new AnalyticsProducer(t, new RedisStreamPublisher(redis.url, analyticsStream(`t:${t}`)), { maxBuffered: 50_000, flushIntervalMs: 50, batchSize: 1000 }));

  log(`${flags.tenants} tenants, ${flags.rate} events/s for ${flags['duration-s']} s`);
  const started = performance.now();
  const end = started + flags['duration-s'] * 1000;
  let produced = 0;
  while (performance.now() < end) {
    // Every 10 ms, catch up to the target rate.
    const due = Math.floor(((performance.now() - started) / 1000) * flags.rate);
    for (; produced < due; produced += 1) producers[produced % producers.length].record('request', { route: '/api/projects/:id', method: 'GET', status: 200, latencyMs: 3 });
    await new Promise((r) => setTimeout(r, 10));
  }
  const produceSeconds = (performance.now() - started) / 1000;
  await Promise.all(producers.map((p) => p.flush()));
  const stats = producers.map((p) => p.stats()).reduce((a, s) => ({ published: a.published + s.published, dropped: a.dropped + s.dropped, failures: a.failures + s.publishFailures }), { published: 0, dropped: 0, failures: 0 });
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
  log(`recorded ${summary.recorded} (${summary.producedPerSecond}/s), published ${summary.published}, dropped ${summary.dropped}, stored ${summary.stored} (${summary.storedPerSecond}/s), counted ${summary.countedInStore}${summary.exact ? ' (exact)' : ' (NOT exact)'}`);
  log(`lag p50 ${summary.lagMs.p50} ms, p99 ${summary.lagMs.p99} ms, max ${summary.lagMs.max} ms`);
  const met = summary.storedPerSecond >= 20_000 && summary.lagMs.p99 < 2_000 && summary.dropped === 0;
  log(`target ≥ 20,000 events/s with lag p99 < 2 s: ${met ? 'met' : 'NOT met'}`);
  return { parameters: { tenants: flags.tenants, targetRate: flags.rate, durationSeconds: flags['duration-s'], path: 'producers → Redis Streams (one per tenant) → consumer group → Postgres' }, summary, targetMet: met };
});
