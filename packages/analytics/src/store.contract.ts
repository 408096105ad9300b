/**
 * The contract every analytics store keeps, run against each real backend (Postgres, Cassandra): each event
 * stored once and duplicates counted, exact usage buckets (errors, p95, signups, logins, jobs), tenants
 * ranked and filtered with their active users, redelivery never double counting (also across `prune()`),
 * two store instances writing overlapping batches at the same time counting each event once, and each tenant's
 * last request since a time.
 *
 * Each test writes to its own tenants in its own past hour (with an empty hour between), so the tests share
 * one store and never see each other's events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newEvent, type AnalyticsEvent, type EventData } from './events.js';
import type { AnalyticsStore, UsagePoint } from './store.js';

export interface StoreHarness {
  /** A migrated store with no events in the hours the contract writes to. */
  store: AnalyticsStore;
  /** Another instance on the same data, as a second consumer would open it (the contract closes it). */
  another(): Promise<AnalyticsStore>;
  /** False when write() reports only repeats within a batch as duplicates (the counts must be exact either way). */
  reportsStoredDuplicates?: boolean;
  close(): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The start of the hour `hoursAgo` hours before this one: each test has its own. */
const hourAgo = (hoursAgo: number) => Math.floor(Date.now() / HOUR) * HOUR - hoursAgo * HOUR;

const request = (tenant: string, at: number, status = 200, latencyMs = 5) =>
  newEvent(tenant, 'request', { route: '/api/projects', method: 'GET', status, latencyMs }, at);
const job = (tenant: string, at: number, outcome: EventData['job']['outcome']) =>
  newEvent(tenant, 'job', { queue: 'mail', name: 'send', outcome, durationMs: 12 }, at);

/** percentile_cont(0.95), rounded to 2 decimals: what the stores report as p95. */
function p95(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = 0.95 * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return Math.round((sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower)) * 100) / 100;
}

/** What `usage()` must return for these events, computed the slow, obvious way. */
function expectedUsage(events: AnalyticsEvent[], from: number, to: number, bucketMinutes: number): UsagePoint[] {
  const bucketMs = bucketMinutes * MINUTE;
  const buckets = new Map<number, { point: UsagePoint; latencies: number[] }>();
  for (const e of events) {
    const minute = Math.floor(e.at / MINUTE) * MINUTE;
    if (minute < from || minute >= to) continue;
    const at = Math.floor(minute / bucketMs) * bucketMs;
    let bucket = buckets.get(at);
    if (!bucket) {
      bucket = {
        point: { at: new Date(at).toISOString(), requests: 0, errors: 0, p95LatencyMs: null, signups: 0, logins: 0, jobs: 0, jobsFailed: 0 },
        latencies: [],
      };
      buckets.set(at, bucket);
    }
    const p = bucket.point;
    if (e.type === 'request') {
      const data = e.data as EventData['request'];
      p.requests += 1;
      if (data.status >= 500) p.errors += 1;
      if (e.at >= from && e.at < to) bucket.latencies.push(data.latencyMs);
    } else if (e.type === 'signup') p.signups += 1;
    else if (e.type === 'login') p.logins += 1;
    else if (e.type === 'job') {
      p.jobs += 1;
      if ((e.data as EventData['job']).outcome === 'failed') p.jobsFailed += 1;
    }
  }
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([, b]) => ({ ...b.point, p95LatencyMs: p95(b.latencies) }));
}

const sum = (points: UsagePoint[], key: 'requests' | 'errors' | 'jobs') => points.reduce((n, p) => n + p[key], 0);

export function analyticsStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`analytics store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: AnalyticsStore;
    /** What write() reported, checked when the store reports events stored before as duplicates. */
    const reported = (result: { written: number; duplicates: number }, expected: { written: number; duplicates: number }) => {
      if (harness.reportsStoredDuplicates !== false) assert.deepEqual(result, expected);
    };
    before(async () => {
      harness = await open();
      store = harness.store;
    });
    after(async () => {
      await harness?.close();
    });

    test('each event is stored once: repeats in a batch and events stored before are counted as duplicates', async () => {
      const base = hourAgo(2);
      const events = Array.from({ length: 50 }, (_, i) => request('dup-a', base + i * 1_000, 200, i));
      reported(await store.write([...events.slice(0, 30), events[0]!, events[1]!]), { written: 30, duplicates: 2 });
      reported(await store.write(events), { written: 20, duplicates: 30 });
      reported(await store.write(events), { written: 0, duplicates: 50 });
      reported(await store.write([]), { written: 0, duplicates: 0 });
      const usage = await store.usage('dup-a', { from: new Date(base), to: new Date(base + HOUR) });
      assert.equal(sum(usage, 'requests'), 50);
    });

    test('usage: exact buckets of requests, errors, p95 latency, signups, logins, jobs and failed jobs', async () => {
      const base = hourAgo(4);
      const tenant = 'usage-a';
      const events: AnalyticsEvent[] = [];
      for (let i = 0; i < 240; i++) {
        // Four minutes of requests: 1 in 12 a 5xx, one 499 that is not an error, latencies 0..97.
        events.push(request(tenant, base + i * 1_000 + 250, i % 12 === 0 ? 500 + (i % 4) : i === 7 ? 499 : 200, (i * 37) % 98));
      }
      events.push(newEvent(tenant, 'signup', { userId: 'u1' }, base + 30_000));
      events.push(newEvent(tenant, 'login', { userId: 'u1' }, base + 31_000), newEvent(tenant, 'login', { userId: 'u2' }, base + 150_000));
      events.push(job(tenant, base + 61_000, 'completed'), job(tenant, base + 62_000, 'failed'), job(tenant, base + 200_000, 'failed'));
      // A minute with nothing but storage: a bucket of zeros, no p95.
      events.push(newEvent(tenant, 'storage', { bytes: 2_048 }, base + 7 * MINUTE + 5_000));
      // Outside the window asked for: before it, and at its end.
      events.push(request(tenant, base - 1, 503, 1_000), request(tenant, base + 10 * MINUTE, 503, 1_000));
      const { written, duplicates } = await store.write(events);
      assert.deepEqual({ written, duplicates }, { written: events.length, duplicates: 0 });

      const from = base;
      const to = base + 10 * MINUTE;
      for (const bucketMinutes of [1, 2, 5]) {
        const usage = await store.usage(tenant, { from: new Date(from), to: new Date(to), bucketMinutes });
        assert.deepEqual(usage, expectedUsage(events, from, to, bucketMinutes), `${bucketMinutes}-minute buckets`);
      }
      const hourly = await store.usage(tenant, { from: new Date(from), to: new Date(to) });
      assert.equal(hourly.length, 1, 'buckets are an hour by default');
      assert.deepEqual(
        { ...hourly[0]!, p95LatencyMs: undefined },
        { at: new Date(base).toISOString(), requests: 240, errors: 20, p95LatencyMs: undefined, signups: 1, logins: 2, jobs: 3, jobsFailed: 2 },
      );
      assert.equal(hourly[0]!.p95LatencyMs, expectedUsage(events, from, to, 60)[0]!.p95LatencyMs);
      assert.deepEqual(await store.usage('nobody', { from: new Date(from), to: new Date(to) }), []);
    });

    test('tenants: totals per tenant, most requests first, limited and filtered; active users are distinct users who signed up or logged in', async () => {
      const base = hourAgo(6);
      const events: AnalyticsEvent[] = [];
      for (let i = 0; i < 30; i++) events.push(request('rank-a', base + i * 1_000, i < 3 ? 502 : 200));
      for (let i = 0; i < 50; i++) events.push(request('rank-b', base + i * 1_500));
      for (let i = 0; i < 10; i++) events.push(request('rank-c', base + 5 * MINUTE + i * 1_000));
      events.push(
        newEvent('rank-c', 'login', { userId: 'u1' }, base + MINUTE),
        newEvent('rank-c', 'login', { userId: 'u1' }, base + 20 * MINUTE),
        newEvent('rank-c', 'login', { userId: 'u2' }, base + 40 * MINUTE),
        newEvent('rank-c', 'signup', { userId: 'u3' }, base + 41 * MINUTE),
        // Outside the window: not active in it.
        newEvent('rank-c', 'login', { userId: 'u9' }, base - MINUTE),
        job('rank-c', base + 2 * MINUTE, 'failed'),
        job('rank-c', base + 3 * MINUTE, 'completed'),
      );
      events.push(newEvent('rank-d', 'storage', { bytes: 1_000 }, base + 9 * MINUTE), newEvent('rank-d', 'storage', { bytes: 24 }, base + 59 * MINUTE));
      await store.write(events);

      const window = { from: new Date(base), to: new Date(base + HOUR) };
      const all = await store.tenants(window);
      assert.deepEqual(all, [
        { tenant: 'rank-b', requests: 50, errors: 0, activeUsers: 0, jobs: 0, jobsFailed: 0, storageBytes: 0 },
        { tenant: 'rank-a', requests: 30, errors: 3, activeUsers: 0, jobs: 0, jobsFailed: 0, storageBytes: 0 },
        { tenant: 'rank-c', requests: 10, errors: 0, activeUsers: 3, jobs: 2, jobsFailed: 1, storageBytes: 0 },
        { tenant: 'rank-d', requests: 0, errors: 0, activeUsers: 0, jobs: 0, jobsFailed: 0, storageBytes: 1_024 },
      ]);
      assert.deepEqual(
        (await store.tenants({ ...window, limit: 2 })).map((t) => t.tenant),
        ['rank-b', 'rank-a'],
      );
      assert.deepEqual(
        (await store.tenants({ ...window, tenants: ['rank-c', 'rank-a', 'nobody'] })).map((t) => [t.tenant, t.requests]),
        [
          ['rank-a', 30],
          ['rank-c', 10],
        ],
      );
      // A narrower window counts only what happened in it.
      const first = await store.tenants({ from: new Date(base), to: new Date(base + 10 * MINUTE), tenants: ['rank-c'] });
      assert.deepEqual(
        first.map((t) => [t.tenant, t.requests, t.activeUsers, t.jobs]),
        [['rank-c', 10, 1, 2]],
      );
      assert.deepEqual(await store.tenants({ from: new Date(base - 2 * HOUR), to: new Date(base - 90 * MINUTE) }), []);
    });

    test('lastRequests: the end of the minute of each tenant’s last request since a time; jobs are not requests; older days are read', async () => {
      const base = hourAgo(12);
      const dayAndAHalfAgo = Date.now() - 36 * HOUR;
      await store.write([
        request('last-a', base + 5 * MINUTE + 10_000),
        request('last-a', base + 20 * MINUTE + 30_000, 500),
        job('last-a', base + 40 * MINUTE, 'completed'),
        job('last-b', base + 10 * MINUTE, 'completed'),
        request('last-c', dayAndAHalfAgo),
      ]);
      const endOfMinute = (at: number) => new Date(Math.floor(at / MINUTE) * MINUTE + MINUTE).toISOString();
      const asked = ['last-a', 'last-b', 'last-c', 'nobody'];
      const iso = (found: Map<string, Date>) => Object.fromEntries([...found].map(([tenant, at]) => [tenant, at.toISOString()]));
      assert.deepEqual(iso(await store.lastRequests(asked, new Date(base))), { 'last-a': endOfMinute(base + 20 * MINUTE) });
      assert.deepEqual(
        iso(await store.lastRequests(asked, new Date(base + 20 * MINUTE + 45_000))),
        { 'last-a': endOfMinute(base + 20 * MINUTE) },
        'the minute `since` falls in counts',
      );
      assert.deepEqual(iso(await store.lastRequests(asked, new Date(base + 21 * MINUTE))), {});
      assert.deepEqual(iso(await store.lastRequests(asked, new Date(Date.now() - 48 * HOUR))), {
        'last-a': endOfMinute(base + 20 * MINUTE),
        'last-c': endOfMinute(dayAndAHalfAgo),
      });
      assert.deepEqual(iso(await store.lastRequests([], new Date(base))), {});
    });

    test('a redelivered batch is never counted twice, before or after prune(), and a late event still counts', async () => {
      const base = hourAgo(8);
      const tenant = 'redeliver-a';
      const events: AnalyticsEvent[] = [];
      for (let i = 0; i < 500; i++) {
        const at = base + (i % 5) * MINUTE + i * 10;
        events.push(
          i % 50 === 0
            ? job(tenant, at, 'failed')
            : i % 25 === 0
              ? newEvent(tenant, 'login', { userId: `u${i % 3}` }, at)
              : request(tenant, at, i % 10 === 0 ? 500 : 200, i % 40),
        );
      }
      const window = { from: new Date(base), to: new Date(base + HOUR), bucketMinutes: 1 };
      // A consumer wrote half the batch and died: the whole batch comes again.
      reported(await store.write(events.slice(0, 250)), { written: 250, duplicates: 0 });
      reported(await store.write(events), { written: 250, duplicates: 250 });
      const expected = expectedUsage(events, base, base + HOUR, 1);
      assert.deepEqual(await store.usage(tenant, window), expected);
      await store.prune(7, 400);
      assert.deepEqual(await store.usage(tenant, window), expected, 'unchanged by prune');
      reported(await store.write(events), { written: 0, duplicates: 500 });
      assert.deepEqual(await store.usage(tenant, window), expected, 'a redelivery after prune counts nothing');
      await store.prune(7, 400);
      assert.deepEqual(await store.usage(tenant, window), expected);

      // An event that arrives late, into a minute already pruned/aggregated, is added to it.
      const late = request(tenant, base + 2 * MINUTE + 59_000, 503, 1_000);
      reported(await store.write([late, events[3]!]), { written: 1, duplicates: 1 });
      const withLate = expectedUsage([...events, late], base, base + HOUR, 1);
      assert.deepEqual(await store.usage(tenant, window), withLate);
      await store.prune(7, 400);
      assert.deepEqual(await store.usage(tenant, window), withLate);
      const [totals] = await store.tenants({ ...window, tenants: [tenant] });
      assert.deepEqual(totals, {
        tenant,
        requests: sum(withLate, 'requests'),
        errors: sum(withLate, 'errors'),
        activeUsers: 3,
        jobs: sum(withLate, 'jobs'),
        jobsFailed: sum(withLate, 'jobs'),
        storageBytes: 0,
      });
    });

    test('two store instances writing overlapping batches at the same time count each event once', async () => {
      const base = hourAgo(10);
      const tenants = ['race-a', 'race-b', 'race-c'];
      const events = Array.from({ length: 6_000 }, (_, i) => request(tenants[i % 3]!, base + Math.floor(i / 20) * 100, i % 7 === 0 ? 500 : 200, i % 100));
      const batches = (from: number, to: number) => Array.from({ length: (to - from) / 400 }, (_, i) => events.slice(from + i * 400, from + (i + 1) * 400));
      const other = await harness.another();
      try {
        // One consumer has [0, 4000), the other [2000, 6000): 2,000 events reach both, at the same time.
        const results = await Promise.all([
          (async () => {
            const r = [];
            for (const b of batches(0, 4_000)) r.push(await store.write(b));
            return r;
          })(),
          (async () => {
            const r = [];
            for (const b of batches(2_000, 6_000)) r.push(await other.write(b));
            return r;
          })(),
          // Roll-ups racing the writes.
          store.prune(7, 400),
        ]);
        const [mine, theirs] = results;
        const written = [...mine, ...theirs].reduce((n, r) => n + r.written, 0);
        const duplicates = [...mine, ...theirs].reduce((n, r) => n + r.duplicates, 0);
        assert.equal(written + duplicates, 8_000);
        if (harness.reportsStoredDuplicates !== false) assert.ok(written >= 6_000, `every event written at least once (${written})`);
        // Then both deliver everything again, racing each other and prune().
        const again = await Promise.all([store.write(events), other.write(events), other.prune(7, 400)]);
        reported(again[0] as { written: number; duplicates: number }, { written: 0, duplicates: 6_000 });
        reported(again[1] as { written: number; duplicates: number }, { written: 0, duplicates: 6_000 });
        for (const [i, store_] of [store, other].entries()) {
          const totals = await store_.tenants({ from: new Date(base), to: new Date(base + HOUR) });
          assert.deepEqual(
            totals.map((t) => [t.tenant, t.requests, t.errors]),
            tenants.map((tenant) => {
              const mine = events.filter((e) => e.tenantId === tenant);
              return [tenant, mine.length, mine.filter((e) => (e.data as EventData['request']).status >= 500).length];
            }),
            `store ${i + 1}`,
          );
        }
        await store.prune(7, 400);
        for (const tenant of tenants) {
          const window = { from: new Date(base), to: new Date(base + HOUR), bucketMinutes: 1 };
          assert.deepEqual(
            await other.usage(tenant, window),
            expectedUsage(
              events.filter((e) => e.tenantId === tenant),
              base,
              base + HOUR,
              1,
            ),
          );
        }
      } finally {
        await other.close();
      }
    });
  });
}
