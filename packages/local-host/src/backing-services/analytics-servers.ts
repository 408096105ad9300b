/**
 * @module The analytics bus and store for `tenantry up`. Embedded (the default): nothing to start, the bus is Redis
 * Streams and the store the master's Postgres. With TENANTRY_ANALYTICS=kafka-cassandra: Kafka and Cassandra,
 * either the ones KAFKA_BROKERS and CASSANDRA_CONTACT_POINTS name, or local ones started here from Maven Central
 * jars and supervised like every other platform process.
 */
import { prepareServer, type ServerName } from '@tenantry/analytics-servers';
import type { NodeAgent } from '../agent/node-agent.js';
import type { HostConfig } from '../config.js';

/** Heaps small enough for a laptop; the JVMs take about twice this in resident memory. */
const HEAP_MB: Record<ServerName, number> = { kafka: 384, cassandra: 768 };

async function startSupervised(agent: NodeAgent, home: string, name: ServerName, say: (line: string) => void): Promise<string> {
  const workload = `platform-${name}`;
  const { client, peer } = await agent.leasePorts(workload, ['client', 'peer']);
  const launch = await prepareServer(name, { home, port: client!, secondPort: peer!, heapMb: HEAP_MB[name], progress: say });
  say(`${name}: starting on ${launch.host}:${launch.port}`);
  await agent.applyWorkload(
    {
      name: workload,
      labels: { layer: 'platform' },
      processes: [{ name, command: launch.command, args: launch.args, env: launch.env, health: { kind: 'tcp', port: launch.port }, stopTimeoutMs: 30_000 }],
    },
    false,
  );
  await agent.waitReadyLocal(workload, 180_000);
  return `${launch.host}:${launch.port}`;
}

/** The variables that point the master's programs at the analytics bus and store (none when embedded). */
export async function startAnalyticsBackends(agent: NodeAgent, home: string, config: HostConfig, say: (line: string) => void): Promise<Record<string, string>> {
  if (config.TENANTRY_ANALYTICS === 'embedded') {
    say('analytics: Redis Streams → Postgres (embedded; TENANTRY_ANALYTICS=kafka-cassandra for Kafka → Cassandra)');
    return {};
  }
  const [kafka, cassandra] = await Promise.all([
    config.KAFKA_BROKERS ?? startSupervised(agent, home, 'kafka', say),
    config.CASSANDRA_CONTACT_POINTS ?? startSupervised(agent, home, 'cassandra', say),
  ]);
  say(`analytics: Kafka (${kafka}) → Cassandra (${cassandra})`);
  return { KAFKA_BROKERS: kafka, CASSANDRA_CONTACT_POINTS: cassandra, ...(config.CASSANDRA_KEYSPACE ? { CASSANDRA_KEYSPACE: config.CASSANDRA_KEYSPACE } : {}) };
}
