/**
 * What the store is given for Amazon Keyspaces (which cannot run here) against a local Cassandra: the
 * replication class, table properties, batch size, TLS and login that cassandra-store.ts says Keyspaces needs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import cassandra from 'cassandra-driver';
import { cassandraStoreOptions } from './cassandra-config.js';

const BASE = {
  CASSANDRA_CONTACT_POINTS: ['cassandra.eu-west-1.amazonaws.com:9142'],
  CASSANDRA_LOCAL_DC: 'eu-west-1',
  CASSANDRA_KEYSPACE: 'tenantry_analytics',
};

test('a local Cassandra gets its defaults, and a login when one is given', () => {
  const plain = cassandraStoreOptions({ ...BASE, CASSANDRA_FLAVOR: 'cassandra' });
  assert.deepEqual(plain, { contactPoints: BASE.CASSANDRA_CONTACT_POINTS, localDataCenter: 'eu-west-1', keyspace: 'tenantry_analytics', clientOptions: {} });
  const login = cassandraStoreOptions({ ...BASE, CASSANDRA_FLAVOR: 'cassandra', CASSANDRA_USERNAME: 'store', CASSANDRA_PASSWORD: 'secret' });
  assert.ok(login.clientOptions?.authProvider instanceof cassandra.auth.PlainTextAuthProvider);
});

test('Amazon Keyspaces: its replication class, TTL and client-side timestamps on every table, batches of 30, verified TLS, service-specific credentials', () => {
  const options = cassandraStoreOptions({ ...BASE, CASSANDRA_FLAVOR: 'keyspaces', CASSANDRA_USERNAME: 'tenantry-at-123', CASSANDRA_PASSWORD: 'secret' });
  assert.deepEqual(options.replication, { class: 'SingleRegionStrategy' });
  for (const table of ['events', 'minutes', 'tenantDays'] as const) {
    assert.equal(options.tableOptions?.[table], "CUSTOM_PROPERTIES = {'ttl': {'status': 'enabled'}, 'client_side_timestamps': {'status': 'enabled'}}", table);
  }
  assert.equal(options.maxBatchStatements, 30);
  assert.deepEqual(options.clientOptions?.sslOptions, {
    host: 'cassandra.eu-west-1.amazonaws.com',
    servername: 'cassandra.eu-west-1.amazonaws.com',
    rejectUnauthorized: true,
  });
  assert.ok(options.clientOptions?.authProvider instanceof cassandra.auth.PlainTextAuthProvider);
});
