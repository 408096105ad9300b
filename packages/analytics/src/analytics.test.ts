/**
 * The embedded analytics path against real servers: tenants' producers → Redis Streams → the
 * master's consumer → Postgres. Exact counts, at-least-once redelivery without double counting,
 * a consumer that dies mid-batch, a tenant that claims to be another, and a bus that is away.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { waitFor } from '@tenantry/core';
import { freePort, startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '@tenantry/driver-local/test-support';
import { AnalyticsProducer, PostgresAnalyticsStore, RedisStreamConsumer, RedisStreamPublisher, analyticsStream, newEvent, type DeliveredBatch } from './index.js';

let redis: TestRedis;
let postgres: TestPostgres;
let databases = 0;

before(async () => {
  [redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres()]);
});
after(async () => {
  await Promise.all([redis.stop(), postgres.stop()]);
});

async function freshStore(): Promise<PostgresAnalyticsStore> {
  const name = `analytics_${++databases}`;
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const store = new PostgresAnalyticsStore(Object.assign(new URL(postgres.adminUrl), { pathname: `/${name}` }).toString());
  await store.migrate();
  return store;
}

const HOUR = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 3_600_000), bucketMinutes: 120 };
const total = async (store: PostgresAnalyticsStore, tenant: string) => (await store.usage(tenant, HOUR)).reduce((n, p) => n + p.requests, 0);

function consumerFor(tenants: string[], name: string, group: string, options: { claimIdleMs?: number } = {}) {
  return new RedisStreamConsumer({
    redisUrl: redis.url, group, consumer: name, blockMs: 100, refreshMs: 200, retryDelayMs: 50, ...options,
    streams: async () => tenants.map((tenant) => ({ tenant, stream: analyticsStream(`t:${tenant}`) })),
  });
}

test('N requests to tenant A and M to tenant B are stored as exactly N and M', async () => {
  const store = await freshStore();
  const producers = ['alpha', 'bravo'].map((t) => new AnalyticsProducer(t, new RedisStreamPublisher(redis.url, analyticsStream(`t:${t}`)), { flushIntervalMs: 20 }));
  for (let i = 0; i < 1_200; i++) producers[0]!.record('request', { route: '/api/projects', method: 'GET', status: i % 100 === 0 ? 500 : 200, latencyMs: i % 50 });
  for (let i = 0; i < 700; i++) producers[1]!.record('request', { route: '/api/files', method: 'POST', status: 201, latencyMs: 5 });
  producers[1]!.record('login', { userId: 'u1' });
  await Promise.all(producers.map((p) => p.flush()));

  const consumer = consumerFor(['alpha', 'bravo'], 'store-1', 'exact');
  const abort = new AbortController();
  const running = consumer.run(async (batch) => void (await store.write(batch.events)), abort.signal);
  await waitFor(async () => (await total(store, 'alpha')) === 1_200 && (await total(store, 'bravo')) === 700, { what: 'every event stored', timeoutMs: 20_000 });
  abort.abort();
  await running;
  await consumer.close();

  const alpha = await store.usage('alpha', HOUR);
  assert.equal(alpha.reduce((n, p) => n + p.errors, 0), 12);
  assert.equal(alpha[0]!.p95LatencyMs, 47);
  const top = await store.tenants(HOUR);
  assert.deepEqual(top.map((t) => [t.tenant, t.requests, t.activeUsers]), [['alpha', 1_200, 0], ['bravo', 700, 1]]);
  await Promise.all(producers.map((p) => p.close()));
  await store.close();
});

test('a failed write is delivered again and stored once; a consumer that dies mid-batch loses nothing', async () => {
  const store = await freshStore();
  const publisher = new RedisStreamPublisher(redis.url, analyticsStream('t:charlie'));
  await publisher.publish(Array.from({ length: 300 }, () => newEvent('charlie', 'request', { route: '/api', method: 'GET', status: 200, latencyMs: 1 })));

  // The first attempt writes the events and then fails before the acknowledgement: redelivered, not double counted.
  let attempts = 0;
  const flaky = consumerFor(['charlie'], 'store-1', 'redelivery');
  const abort = new AbortController();
  const running = flaky.run(async (batch: DeliveredBatch) => {
    attempts += 1;
    await store.write(batch.events);
    if (attempts === 1) throw new Error('lost the connection after writing');
  }, abort.signal);
  await waitFor(() => attempts >= 2, { what: 'the batch to be delivered again', timeoutMs: 10_000 });
  abort.abort();
  await running;
  await flaky.close();
  assert.equal(await total(store, 'charlie'), 300);

  // A consumer that takes a batch and dies without acknowledging it: the next one (same name) gets it.
  await publisher.publish(Array.from({ length: 50 }, () => newEvent('charlie', 'request', { route: '/api', method: 'GET', status: 200, latencyMs: 1 })));
  const dying = consumerFor(['charlie'], 'store-1', 'redelivery');
  const dyingAbort = new AbortController();
  let seen = 0;
  const dyingRun = dying.run(async (batch) => {
    seen += batch.events.length;
    dyingAbort.abort();
    throw new Error('killed');
  }, dyingAbort.signal);
  await dyingRun;
  await dying.close();
  assert.equal(seen, 50);
  const next = consumerFor(['charlie'], 'store-1', 'redelivery');
  const nextAbort = new AbortController();
  const nextRun = next.run(async (batch) => void (await store.write(batch.events)), nextAbort.signal);
  await waitFor(async () => (await total(store, 'charlie')) === 350, { what: 'the dead consumer\'s batch to be stored', timeoutMs: 10_000 });
  nextAbort.abort();
  await nextRun;
  await next.close();
  await publisher.close();
  await store.close();
});

test("an event in tenant A's stream that claims to be tenant B's is refused", async () => {
  const store = await freshStore();
  const publisher = new RedisStreamPublisher(redis.url, analyticsStream('t:delta'));
  await publisher.publish([
    newEvent('delta', 'request', { route: '/api', method: 'GET', status: 200, latencyMs: 1 }),
    newEvent('echo', 'request', { route: '/api', method: 'GET', status: 200, latencyMs: 1 }),
  ]);
  const consumer = consumerFor(['delta'], 'store-1', 'spoof');
  const abort = new AbortController();
  let rejected = 0;
  const running = consumer.run(async (batch) => {
    rejected += batch.rejected;
    await store.write(batch.events);
  }, abort.signal);
  await waitFor(async () => (await total(store, 'delta')) === 1, { what: 'the genuine event', timeoutMs: 10_000 });
  abort.abort();
  await running;
  await consumer.close();
  assert.equal(rejected, 1);
  assert.equal(await total(store, 'echo'), 0);
  await publisher.close();
  await store.close();
});

test('with the bus away, recording never waits or throws; the buffer is bounded and drops are counted', async () => {
  const port = await freePort();
  const producer = new AnalyticsProducer('foxtrot', new RedisStreamPublisher(`redis://127.0.0.1:${port}`, analyticsStream('t:foxtrot')), { maxBuffered: 100, flushIntervalMs: 10 });
  const started = performance.now();
  for (let i = 0; i < 1_000; i++) producer.record('request', { route: '/api', method: 'GET', status: 200, latencyMs: 1 });
  assert.ok(performance.now() - started < 200, 'recording 1,000 events took no time');
  await producer.flush();
  const stats = producer.stats();
  assert.equal(stats.recorded, 1_000);
  assert.equal(stats.published, 0);
  assert.equal(stats.buffered, 100);
  assert.equal(stats.dropped, 900);
  assert.ok(stats.publishFailures >= 1);
  await producer.close();
});

test('the producer flushes on its own, also after a flush that found nothing to send', async () => {
  const producer = new AnalyticsProducer('golf', new RedisStreamPublisher(redis.url, analyticsStream('t:golf')), { flushIntervalMs: 10 });
  await producer.flush();
  producer.record('request', { route: '/api', method: 'GET', status: 200, latencyMs: 1 });
  await waitFor(() => producer.stats().published === 1, { what: 'the timer to publish the event', timeoutMs: 5_000 });
  await producer.close();
});
