/**
 * @module Test support: a real Kafka or Cassandra for a test file. CI starts both once (`tenantry services start`)
 * and names them in TENANTRY_TEST_KAFKA and TENANTRY_TEST_CASSANDRA (`host:port`); without those, the test
 * starts its own throwaway server on free ports and stops it at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@tenantry/core';
import { startServer, type ServerName } from './servers.js';

export interface TestServer {
  /** `host:port` for clients. */
  address: string;
  /** The server's process, when this test started it. */
  pid?: number;
  stop(): Promise<void>;
}

const variables: Record<ServerName, string> = { kafka: 'TENANTRY_TEST_KAFKA', cassandra: 'TENANTRY_TEST_CASSANDRA' };

/** The shared server if one is named, else (or with `dedicated`) one of this test's own. */
async function useTestServer(name: ServerName, options: { dedicated?: boolean } = {}): Promise<TestServer> {
  const given = process.env[variables[name]];
  if (given && !options.dedicated) return { address: given, stop: async () => undefined };
  const home = mkdtempSync(join(tmpdir(), `tenantry-${name}-`));
  const server = await startServer(name, { home, port: await freePort(), secondPort: await freePort(), heapMb: name === 'cassandra' ? 768 : 384 });
  return {
    address: server.address,
    pid: server.pid,
    stop: async () => {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export const useTestKafka = (options?: { dedicated?: boolean }) => useTestServer('kafka', options);
export const useTestCassandra = (options?: { dedicated?: boolean }) => useTestServer('cassandra', options);
