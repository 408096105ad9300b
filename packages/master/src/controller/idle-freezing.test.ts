/**
 * The analytics pipeline as idle freezing's record of requests (Kubernetes), on a real Postgres store and a real
 * Redis Streams bus: the store's last request of each tenant, and a tenant whose events wait on the bus unstored
 * counts as having had a request now.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PostgresAnalyticsStore, RedisStreamConsumer, RedisStreamPublisher, analyticsStream, newEvent, type AnalyticsEvent } from '@tenantry/analytics';
import { startAll, tenantRedisPrefix, waitFor } from '@tenantry/core';
import { startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '@tenantry/driver-local/test-support';
import { AnalyticsTraffic } from './idle-freezing.js';

let postgres: TestPostgres;
let redis: TestRedis;
let store: PostgresAnalyticsStore;
const TENANTS = ['busy', 'quiet', 'never'];
const streams = async () => TENANTS.map((tenant) => ({ tenant, stream: analyticsStream(tenantRedisPrefix(tenant)) }));
const consumer = () =>
  new RedisStreamConsumer({ redisUrl: redis.url, group: 'analytics-store', consumer: 'store-test', blockMs: 100, refreshMs: 200, streams });

before(async () => {
  [postgres, redis] = await startAll([startTestPostgres(), startTestRedis()]);
  store = new PostgresAnalyticsStore(postgres.adminUrl);
  await store.migrate();
});

after(async () => {
  await store?.close();
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

const request = (tenant: string, at: number) => newEvent(tenant, 'request', { route: '/api/projects', method: 'GET', status: 200, latencyMs: 2 }, at);

test("a tenant's last request comes from the store; one whose events wait on the bus counts as in use now; one with none is absent", async () => {
  const hourAgo = Date.now() - 3_600_000;
  await store.write([request('quiet', hourAgo)]);
  const publisher = new RedisStreamPublisher(redis.url, analyticsStream(tenantRedisPrefix('busy')));
  const sent: AnalyticsEvent[] = [request('busy', Date.now())];
  await publisher.publish(sent);
  const probe = consumer();
  try {
    const traffic = new AnalyticsTraffic(store, probe);
    const before = Date.now();
    const { since, requests } = await traffic.lastRequests(TENANTS, new Date(hourAgo - 60_000));
    assert.equal(since.getTime(), 0, 'the store holds every request since the tenant began');
    assert.ok(requests.get('busy')!.getTime() >= before, 'unstored events on the bus: a request now');
    assert.equal(requests.get('quiet')!.toISOString(), new Date(Math.floor(hourAgo / 60_000) * 60_000 + 60_000).toISOString());
    assert.equal(requests.has('never'), false);

    // Stored by the consumer: the store's answer, the end of the event's minute.
    const running = consumer();
    const abort = new AbortController();
    const consuming = running.run((batch) => store.write(batch.events).then(() => undefined), abort.signal);
    try {
      await waitFor(async () => (await probe.backlogged(TENANTS)).size === 0, { what: "busy's event stored", timeoutMs: 10_000 });
    } finally {
      abort.abort();
      await consuming;
      await running.close();
    }
    const stored = await traffic.lastRequests(TENANTS, new Date(hourAgo - 60_000));
    assert.equal(stored.requests.get('busy')!.getTime(), Math.floor(sent[0]!.at / 60_000) * 60_000 + 60_000);
  } finally {
    await probe.close();
    await publisher.close();
  }
});
