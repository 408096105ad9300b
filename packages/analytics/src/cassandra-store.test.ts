/** The store contract against a real Apache Cassandra, and what is particular to the Cassandra store: TTLs and roll-ups. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import cassandra from 'cassandra-driver';
import { useTestCassandra, type TestServer } from '@tenantry/analytics-servers/test-support';
import { CassandraStore, type CassandraStoreOptions } from './cassandra-store.js';
import { newEvent } from './events.js';
import { analyticsStoreContract } from './store.contract.js';

/** A keyspace of its own per run: a shared server keeps the ones of earlier runs until they are dropped. */
async function testKeyspace(server: TestServer, label: string) {
  const keyspace = `analytics_${label}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const options: CassandraStoreOptions = { contactPoints: [server.address], localDataCenter: 'datacenter1', keyspace };
  const drop = async () => {
    const client = new cassandra.Client({ contactPoints: [server.address], localDataCenter: 'datacenter1' });
    try {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    } finally {
      await client.shutdown();
    }
  };
  return { options, drop };
}

// One server for the whole file (started here unless TENANTRY_TEST_CASSANDRA names one), stopped at the end.
let shared: Promise<TestServer> | undefined;
const useServer = () => (shared ??= useTestCassandra());
after(async () => {
  await (await shared)?.stop();
});

// As the platform runs it (duplicates not looked up), and with countDuplicates.
for (const countDuplicates of [false, true]) {
  analyticsStoreContract(`Cassandra${countDuplicates ? ', countDuplicates' : ''}`, async () => {
    const server = await useServer();
    const { options, drop } = await testKeyspace(server, countDuplicates ? 'counted' : 'contract');
    const store = new CassandraStore({ ...options, countDuplicates });
    await store.migrate();
    return {
      store,
      another: async () => new CassandraStore({ ...options, countDuplicates }),
      reportsStoredDuplicates: countDuplicates,
      close: async () => {
        await store.close();
        await drop();
      },
    };
  });
}

let server: TestServer;
before(async () => {
  server = await useServer();
});

test('Cassandra: raw rows expire rawTtlDays after the event, and prune() turns sealed pending minutes into aggregates', async () => {
  const { options, drop } = await testKeyspace(server, 'ttl');
  const store = new CassandraStore({ ...options, rawTtlDays: 2, aggregateTtlDays: 30 });
  const client = new cassandra.Client({ contactPoints: [server.address], localDataCenter: 'datacenter1' });
  try {
    await store.migrate();
    await store.migrate(); // idempotent
    const at = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000 - 30 * 60_000;
    const events = Array.from({ length: 20 }, (_, i) => newEvent('ttl-a', 'request', { route: '/', method: 'GET', status: 200, latencyMs: i }, at + i * 1_000));
    await store.write(events);
    const ttl = await client.execute(
      `SELECT TTL(at) AS ttl FROM ${options.keyspace}.events WHERE tenant_id = ? AND hour = ? AND type = ? AND minute = ?`,
      ['ttl-a', new Date(Math.floor(at / 3_600_000) * 3_600_000), 'request', new Date(at)],
      { prepare: true },
    );
    assert.equal(ttl.rows.length, 20);
    for (const row of ttl.rows) {
      // 2 days after the event, which was 3.5 hours ago.
      assert.ok(Math.abs(Number(row.ttl) - (2 * 86_400 - 3.5 * 3_600)) < 120, `ttl ${row.ttl}`);
    }
    const minute = () =>
      client.execute(
        `SELECT requests, events, pending, TTL(requests) AS ttl FROM ${options.keyspace}.minutes WHERE tenant_id = ? AND day = ? AND minute = ?`,
        ['ttl-a', new Date(Math.floor(at / 86_400_000) * 86_400_000), new Date(at)],
        { prepare: true },
      );
    const before = (await minute()).rows[0]!;
    assert.equal(before.pending, true);
    assert.equal(before.requests, null);
    await store.prune(2, 30);
    const rolled = (await minute()).rows[0]!;
    assert.equal(rolled.pending, null);
    assert.equal(Number(rolled.requests), 20);
    assert.equal(Number(rolled.events), 20);
    assert.ok(Math.abs(Number(rolled.ttl) - (30 * 86_400 - 3.5 * 3_600)) < 120, `aggregate ttl ${rolled.ttl}`);
    // An event past the raw retention is not stored, nor counted.
    const old = newEvent('ttl-a', 'request', { route: '/', method: 'GET', status: 200, latencyMs: 1 }, Date.now() - 3 * 86_400_000);
    assert.deepEqual(await store.write([old]), { written: 1, duplicates: 0 });
    assert.deepEqual(await store.usage('ttl-a', { from: new Date(old.at - 3_600_000), to: new Date(old.at + 3_600_000) }), []);
  } finally {
    await client.shutdown();
    await store.close();
    await drop();
  }
});
