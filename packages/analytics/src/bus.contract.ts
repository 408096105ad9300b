/**
 * The contract every analytics bus keeps, run against each real backend (Redis Streams, Kafka): events of
 * several tenants all arrive, a batch whose handler fails or whose consumer dies is delivered again, an event in
 * tenant A's stream that claims to be B's is refused, a tenant's stream or topic removed under the consumer (the
 * tenant deleted, or the stream deleted by anyone) stops nobody else's events, and with the bus away the producer
 * neither waits nor throws; the bus itself tells which tenants have events the consumers' group has not stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@tenantry/core';
import type { BusConsumer, BusPublisher, DeliveredBatch } from './bus.js';
import { newEvent, type AnalyticsEvent } from './events.js';
import { AnalyticsProducer } from './producer.js';

export interface BusHarness {
  /** A publisher that writes to `tenant`'s stream or topic. */
  publisher(tenant: string): Promise<BusPublisher>;
  /** A consumer of these tenants' streams (read again as the list changes); `name` is its identity in `group`. */
  consumer(tenants: string[], name: string, group: string): BusConsumer;
  /** A publisher whose bus is not running. */
  unreachablePublisher(tenant: string): Promise<BusPublisher>;
  /** Deletes `tenant`'s stream or topic on the server, as a tenant's removal (or anyone with access) does. */
  removeStream(tenant: string): Promise<void>;
  close(): Promise<void>;
}

const request = (tenant: string) => newEvent(tenant, 'request', { route: '/api', method: 'GET', status: 200, latencyMs: 1 });

/** Runs `consumer` with `handle` until `until` holds, then stops and closes it. */
async function consumeUntil(consumer: BusConsumer, handle: (batch: DeliveredBatch) => Promise<void>, until: () => boolean, what: string): Promise<void> {
  const abort = new AbortController();
  const running = consumer.run(handle, abort.signal);
  try {
    await waitFor(until, { what, timeoutMs: 30_000 });
  } finally {
    abort.abort();
    await running;
    await consumer.close();
  }
}

export function analyticsBusContract(name: string, open: () => Promise<BusHarness>): void {
  describe(`analytics bus contract: ${name}`, () => {
    let bus: BusHarness;
    before(async () => {
      bus = await open();
    });
    after(async () => {
      await bus.close();
    });

    test('every event of every tenant is delivered, each with its own tenant', async () => {
      const producers = await Promise.all(['alpha', 'bravo'].map(async (t) => new AnalyticsProducer(t, await bus.publisher(t), { flushIntervalMs: 20 })));
      for (let i = 0; i < 1_200; i++) producers[0]!.record('request', { route: '/api/projects', method: 'GET', status: 200, latencyMs: i % 50 });
      for (let i = 0; i < 700; i++) producers[1]!.record('login', { userId: `u${i}` });
      await Promise.all(producers.map((p) => p.flush()));
      assert.deepEqual(
        producers.map((p) => p.stats().published),
        [1_200, 700],
      );

      const seen = { alpha: new Set<string>(), bravo: new Set<string>() };
      await consumeUntil(
        bus.consumer(['alpha', 'bravo'], 'store-1', 'every'),
        async (batch) => {
          for (const event of batch.events) seen[event.tenantId as keyof typeof seen].add(event.id);
        },
        () => seen.alpha.size === 1_200 && seen.bravo.size === 700,
        'every event delivered',
      );
      await Promise.all(producers.map((p) => p.close()));
    });

    test('a tenant that arrives while the consumer runs is read too, and events keep coming after the change', async () => {
      const tenants = ['india'];
      const consumer = bus.consumer(tenants, 'store-1', 'arrivals');
      const seen = new Map<string, number>();
      const abort = new AbortController();
      const running = consumer.run(async (batch) => {
        for (const event of batch.events) seen.set(event.tenantId, (seen.get(event.tenantId) ?? 0) + 1);
      }, abort.signal);
      try {
        const [india, juliett] = [await bus.publisher('india'), await bus.publisher('juliett')];
        await india.publish([request('india')]);
        await waitFor(() => seen.get('india') === 1, { what: "the first tenant's event", timeoutMs: 30_000 });
        tenants.push('juliett');
        await juliett.publish([request('juliett')]);
        await waitFor(() => seen.get('juliett') === 1, { what: "the new tenant's event", timeoutMs: 30_000 });
        await Promise.all([india.publish([request('india')]), juliett.publish([request('juliett')])]);
        await waitFor(() => seen.get('india') === 2 && seen.get('juliett') === 2, { what: 'events published after the change', timeoutMs: 30_000 });
        await Promise.all([india.close(), juliett.close()]);
      } finally {
        abort.abort();
        await running;
        await consumer.close();
      }
    });

    for (const [scenario, unlist] of [
      ['its tenant deleted', true],
      ['deleted by someone, its tenant still listed', false],
    ] as const) {
      test(`a stream removed under the consumer (${scenario}) does not stop the other tenants' events`, async () => {
        const [gone, kept] = unlist ? ['lima', 'mike'] : ['november', 'oscar'];
        const tenants = [gone, kept];
        const consumer = bus.consumer(tenants, 'store-1', `removal-${gone}`);
        const seen = new Map<string, number>();
        let failure: unknown;
        const abort = new AbortController();
        const running = consumer
          .run(async (batch) => {
            for (const event of batch.events) seen.set(event.tenantId, (seen.get(event.tenantId) ?? 0) + 1);
          }, abort.signal)
          .catch((err: unknown) => {
            failure = err;
          });
        const publishers = [await bus.publisher(gone), await bus.publisher(kept)];
        try {
          await Promise.all([publishers[0]!.publish([request(gone)]), publishers[1]!.publish([request(kept)])]);
          await waitFor(() => seen.get(gone) === 1 && seen.get(kept) === 1, { what: "both tenants' first events", timeoutMs: 30_000 });
          if (unlist) tenants.splice(0, 1);
          await bus.removeStream(gone);
          // The other tenant keeps producing; each of its events arrives, one after the other, within a deadline.
          for (let i = 2; i <= 4; i++) {
            await publishers[1]!.publish([request(kept)]);
            await waitFor(() => failure !== undefined || seen.get(kept) === i, { what: `event ${i} of the tenant still there`, timeoutMs: 20_000 });
            assert.equal(failure, undefined, `the consumer stopped: ${String(failure)}`);
          }
        } finally {
          abort.abort();
          await running;
          await Promise.all(publishers.map((p) => p.close()));
          await consumer.close();
        }
        assert.equal(failure, undefined);
      });
    }

    test('a backlog far larger than a batch is read to its end', async () => {
      const publisher = await bus.publisher('kilo');
      const total = 60_000;
      for (let i = 0; i < total; i += 5_000) await publisher.publish(Array.from({ length: 5_000 }, () => request('kilo')));
      const seen = new Set<string>();
      await consumeUntil(
        bus.consumer(['kilo'], 'store-1', 'backlog'),
        async (batch) => {
          for (const event of batch.events) seen.add(event.id);
        },
        () => seen.size === total,
        `all ${total} events of the backlog`,
      );
      await publisher.close();
    });

    test('a batch whose handler fails is delivered again', async () => {
      const publisher = await bus.publisher('charlie');
      const sent = Array.from({ length: 300 }, () => request('charlie'));
      await publisher.publish(sent);
      let attempts = 0;
      const stored = new Set<string>();
      await consumeUntil(
        bus.consumer(['charlie'], 'store-1', 'retry'),
        async (batch) => {
          attempts += 1;
          if (attempts === 1) throw new Error('lost the connection to the store');
          for (const event of batch.events) stored.add(event.id);
        },
        () => stored.size === 300,
        'the failed batch delivered again',
      );
      assert.ok(attempts >= 2);
      assert.deepEqual([...stored].sort(), sent.map((e) => e.id).sort());
      await publisher.close();
    });

    test('backlogged: the bus tells which tenants have events not stored yet, before any consumer ran, after a failed batch, and not once stored', async () => {
      const tenants = ['papa', 'quebec', 'not-read'];
      const publisher = await bus.publisher('papa');
      const probe = bus.consumer(['papa', 'quebec'], 'store-probe', 'backlogged');
      try {
        assert.deepEqual([...(await probe.backlogged(tenants))], [], 'no events anywhere');
        await publisher.publish([request('papa'), request('papa')]);
        assert.deepEqual([...(await probe.backlogged(tenants))], ['papa'], 'no consumer has run in the group yet');
        let attempts = 0;
        await consumeUntil(
          bus.consumer(['papa', 'quebec'], 'store-1', 'backlogged'),
          async () => {
            attempts += 1;
            throw new Error('the store is down');
          },
          () => attempts >= 1,
          'a failed batch',
        );
        assert.deepEqual([...(await probe.backlogged(tenants))], ['papa'], 'read but not stored');
        let stored = 0;
        await consumeUntil(
          bus.consumer(['papa', 'quebec'], 'store-1', 'backlogged'),
          async (batch) => void (stored += batch.events.length),
          () => stored >= 2,
          'both events stored',
        );
        await waitFor(async () => (await probe.backlogged(tenants)).size === 0, { what: 'no backlog once stored', timeoutMs: 10_000 });
        await publisher.publish([request('papa')]);
        assert.deepEqual([...(await probe.backlogged(['quebec']))], [], 'only the tenants asked about');
        assert.deepEqual([...(await probe.backlogged(tenants))], ['papa'], 'a new event');
      } finally {
        await probe.close();
        await publisher.close();
      }
    });

    test('a consumer that dies holding a batch loses nothing: the next one in its group gets it', async () => {
      const publisher = await bus.publisher('delta');
      const sent = Array.from({ length: 50 }, () => request('delta'));
      await publisher.publish(sent);
      const dying = bus.consumer(['delta'], 'store-1', 'crash');
      const dyingAbort = new AbortController();
      let held = 0;
      await dying.run(async (batch) => {
        held += batch.events.length;
        dyingAbort.abort();
        throw new Error('killed before the write');
      }, dyingAbort.signal);
      await dying.close();
      assert.ok(held > 0, 'the first consumer was given events');

      const stored = new Set<string>();
      await consumeUntil(
        bus.consumer(['delta'], 'store-1', 'crash'),
        async (batch) => {
          for (const event of batch.events) stored.add(event.id);
        },
        () => stored.size === 50,
        "the dead consumer's events delivered to the next",
      );
      await publisher.close();
    });

    test("an event in tenant A's stream that claims to be tenant B's is refused", async () => {
      const publisher = await bus.publisher('echo');
      await publisher.publish([request('echo'), request('foxtrot')]);
      const delivered: AnalyticsEvent[] = [];
      let rejected = 0;
      await consumeUntil(
        bus.consumer(['echo'], 'store-1', 'spoof'),
        async (batch) => {
          rejected += batch.rejected;
          delivered.push(...batch.events);
        },
        () => delivered.length + rejected === 2,
        'both messages read',
      );
      assert.deepEqual(
        delivered.map((e) => e.tenantId),
        ['echo'],
      );
      assert.equal(rejected, 1);
      await publisher.close();
    });

    test('with the bus away, recording never waits or throws; the buffer is bounded and drops are counted', async () => {
      const producer = new AnalyticsProducer('golf', await bus.unreachablePublisher('golf'), { maxBuffered: 100, flushIntervalMs: 10 });
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
      const producer = new AnalyticsProducer('hotel', await bus.publisher('hotel'), { flushIntervalMs: 10 });
      await producer.flush();
      producer.record('request', { route: '/api', method: 'GET', status: 200, latencyMs: 1 });
      await waitFor(() => producer.stats().published === 1, { what: 'the timer to publish the event', timeoutMs: 5_000 });
      await producer.close();
    });
  });
}
