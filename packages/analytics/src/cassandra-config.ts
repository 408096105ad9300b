/** @module The Cassandra store's options from a program's configuration: a local Cassandra, or Amazon Keyspaces. */
import cassandra from 'cassandra-driver';
import type { CassandraConfig } from './backends.js';
import type { CassandraStoreOptions } from './cassandra-store.js';

/** Amazon Keyspaces' table properties: `USING TTL` needs the first, `USING TIMESTAMP` and WRITETIME the second. */
const KEYSPACES_TABLE = "CUSTOM_PROPERTIES = {'ttl': {'status': 'enabled'}, 'client_side_timestamps': {'status': 'enabled'}}";

/** The store's options for a configuration: a local Cassandra as it is, or what Amazon Keyspaces needs (cassandra-store.ts). */
export function cassandraStoreOptions(config: CassandraConfig & { CASSANDRA_CONTACT_POINTS: string[] }): CassandraStoreOptions {
  const login =
    config.CASSANDRA_USERNAME && config.CASSANDRA_PASSWORD
      ? { authProvider: new cassandra.auth.PlainTextAuthProvider(config.CASSANDRA_USERNAME, config.CASSANDRA_PASSWORD) }
      : {};
  const base = { contactPoints: config.CASSANDRA_CONTACT_POINTS, localDataCenter: config.CASSANDRA_LOCAL_DC, keyspace: config.CASSANDRA_KEYSPACE };
  if (config.CASSANDRA_FLAVOR === 'cassandra') return { ...base, clientOptions: login };
  const host = config.CASSANDRA_CONTACT_POINTS[0]!.split(':')[0]!;
  return {
    ...base,
    replication: { class: 'SingleRegionStrategy' },
    tableOptions: { events: KEYSPACES_TABLE, minutes: KEYSPACES_TABLE, tenantDays: KEYSPACES_TABLE },
    maxBatchStatements: 30,
    // TLS is required, verified against the system's CAs (Amazon's roots among them).
    clientOptions: { ...login, sslOptions: { host, servername: host, rejectUnauthorized: true } },
  };
}
