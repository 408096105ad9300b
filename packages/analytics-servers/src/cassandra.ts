/**
 * @module Apache Cassandra 5.0 as a plain Java process: a single-node, loopback-only server for the
 * analytics store when no external cluster is configured. The jars come from Maven Central
 * (org.apache.cassandra:cassandra-all and its dependencies, in one folder); this module writes the
 * configuration into the data folder and returns the `java` command line that the caller spawns and
 * supervises. Nothing here needs the Cassandra distribution's bin/ or conf/ folders.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Artifact } from './maven-cache.js';
import { javaCommand, type Launch } from './launch.js';

export const CASSANDRA_VERSION = '5.0.6';

/** Cassandra 5.0 runs on Java 17 (4.x does not). */
export const cassandraArtifacts: readonly Artifact[] = [`org.apache.cassandra:cassandra-all:${CASSANDRA_VERSION}`];

export interface CassandraOptions {
  /** A folder holding cassandra-all-5.x.jar and every jar it depends on. */
  libsDir: string;
  /** Where the server keeps its configuration, data, commit log, caches, hints and log file. */
  dataDir: string;
  /** The only address it binds to. @defaultValue '127.0.0.1' */
  host?: string;
  /** The CQL (native protocol) port, the only one clients use. */
  nativePort: number;
  /** The inter-node port; a single node binds it but nothing else connects. */
  storagePort: number;
  /** Heap size. @defaultValue 512 */
  heapMb?: number;
}

/**
 * Writes cassandra.yaml and logback.xml under `dataDir` (overwriting them, so a changed port takes
 * effect on the next start; the data is kept) and returns how to start the server in the foreground.
 */
export async function prepareCassandra(options: CassandraOptions): Promise<Launch> {
  const host = options.host ?? '127.0.0.1';
  const heapMb = options.heapMb ?? 512;
  const dirs = {
    conf: join(options.dataDir, 'conf'),
    data: join(options.dataDir, 'data'),
    commitlog: join(options.dataDir, 'commitlog'),
    savedCaches: join(options.dataDir, 'saved_caches'),
    hints: join(options.dataDir, 'hints'),
    cdc: join(options.dataDir, 'cdc_raw'),
    tmp: join(options.dataDir, 'tmp'),
    triggers: join(options.dataDir, 'triggers'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const jamm = readdirSync(options.libsDir).find((name) => /^jamm-[\d.]+\.jar$/.test(name));
  if (!readdirSync(options.libsDir).some((name) => /^cassandra-all-.*\.jar$/.test(name))) {
    throw new Error(`no cassandra-all jar in ${options.libsDir}`);
  }

  const yamlFile = join(dirs.conf, 'cassandra.yaml');
  writeFileSync(yamlFile, cassandraYaml({ ...options, host, dirs, heapMb }), { mode: 0o600 });
  const logbackFile = join(dirs.conf, 'logback.xml');
  writeFileSync(logbackFile, logbackXml(join(options.dataDir, 'cassandra.log')), { mode: 0o600 });

  const args = [
    // Cassandra mlockall()s the process at start-up (it succeeds as root), which makes every page
    // mapped at that moment resident for good: a small initial heap keeps the idle footprint small,
    // the heap still grows to -Xmx when the load needs it.
    `-Xms${Math.min(heapMb, 64)}m`,
    `-Xmx${heapMb}m`,
    // Thread stacks as in Cassandra's jvm-server.options: it runs a few hundred threads.
    '-Xss256k',
    ...gcFlags(heapMb),
    '-XX:+UseThreadPriorities',
    // No hsperfdata file in /tmp that every GC would write to (and that jps would list).
    '-XX:+PerfDisableSharedMem',
    // A JVM that ran out of memory may have half-applied writes: stop, and let the supervisor restart it.
    '-XX:+ExitOnOutOfMemoryError',
    `-XX:ErrorFile=${join(options.dataDir, 'hs_err_%p.log')}`,
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.io.tmpdir=${dirs.tmp}`,
    ...JAVA17_MODULE_FLAGS,
    // jamm measures object sizes for memtable accounting; as an agent it needs no self-attach.
    ...(jamm ? [`-javaagent:${join(options.libsDir, jamm)}`] : []),
    ...NETTY_FLAGS,
    `-Dcassandra.config=${pathToFileURL(yamlFile).href}`,
    `-Dlogback.configurationFile=${pathToFileURL(logbackFile).href}`,
    `-Dcassandra.logdir=${options.dataDir}`,
    `-Dcassandra.storagedir=${options.dataDir}`,
    // Stay attached to the supervisor: no daemonising, logs not duplicated to a closed stdout.
    '-Dcassandra-foreground=yes',
    `-Dcassandra.triggers_dir=${dirs.triggers}`,
    // A single node has no peers to hear from: do not wait for gossip, the ring or schema pulls.
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.ring_delay_ms=100',
    '-Dcassandra.migration_delay_ms=0',
    '-Dcassandra.schema_delay_ms=0',
    // No JMX at all: without cassandra.jmx.local.port/remote.port the daemon opens no JMX port, so
    // two servers on one host cannot collide on 7199 (the price: no nodetool).
    '-cp',
    `${options.libsDir}/*`,
    'org.apache.cassandra.service.CassandraDaemon',
  ];
  const command = javaCommand();
  return { command, args, env: { CASSANDRA_HOME: options.dataDir, CASSANDRA_CONF: dirs.conf }, host, port: options.nativePort };
}

function gcFlags(heapMb: number): string[] {
  // Small heaps: the serial collector has the least footprint and start-up cost; G1 (Cassandra's
  // default) pays off from a few GiB, where its region size must also stay below the heap size.
  if (heapMb < 2048) return ['-XX:+UseSerialGC'];
  return ['-XX:+UseG1GC', '-XX:+ParallelRefProcEnabled', '-XX:MaxTenuringThreshold=1', '-XX:G1RSetUpdatingPauseTimePercent=5', '-XX:MaxGCPauseMillis=300'];
}

/** The JPMS exports/opens from Cassandra 5.0's conf/jvm17-server.options: it reaches into JDK internals. */
const JAVA17_MODULE_FLAGS = [
  '-Djdk.attach.allowAttachSelf=true',
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.attach/sun.tools.attach',
  ].flatMap((pkg) => ['--add-exports', `${pkg}=ALL-UNNAMED`]),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac',
    'java.base/java.lang',
    'java.base/java.util',
  ].flatMap((pkg) => ['--add-opens', `${pkg}=ALL-UNNAMED`]),
];

/** Also from jvm17-server.options: direct buffers through Unsafe, and Netty's pre-4.1.75 allocator defaults. */
const NETTY_FLAGS = ['-Dio.netty.tryReflectionSetAccessible=true', '-Dio.netty.allocator.useCacheForAllThreads=true', '-Dio.netty.allocator.maxOrder=11'];

interface YamlInput extends CassandraOptions {
  host: string;
  heapMb: number;
  dirs: { data: string; commitlog: string; savedCaches: string; hints: string; cdc: string };
}

const quote = (value: string) => JSON.stringify(value);

function cassandraYaml(o: YamlInput): string {
  // Memtables get an eighth of the heap each way (the default is a quarter): with a small heap the
  // rest is needed for reads and the driver's connections; they flush sooner, which is fine here.
  const memtableMb = Math.max(16, Math.floor(o.heapMb / 8));
  return `# Written by Tenantry at every start: edits here are overwritten.
cluster_name: tenantry
# One node, one token, set here: no token allocation, no bootstrap, no streaming.
num_tokens: 1
initial_token: 0
auto_bootstrap: false
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: ${quote(`${o.host}:${o.storagePort}`)}
listen_address: ${o.host}
rpc_address: ${o.host}
storage_port: ${o.storagePort}
start_native_transport: true
native_transport_port: ${o.nativePort}

data_file_directories:
  - ${quote(o.dirs.data)}
commitlog_directory: ${quote(o.dirs.commitlog)}
saved_caches_directory: ${quote(o.dirs.savedCaches)}
hints_directory: ${quote(o.dirs.hints)}
cdc_raw_directory: ${quote(o.dirs.cdc)}

authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager
network_authorizer: AllowAllNetworkAuthorizer

commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 8MiB
commitlog_total_space: 256MiB
memtable_heap_space: ${memtableMb}MiB
memtable_offheap_space: ${memtableMb}MiB
memtable_allocation_type: offheap_objects
key_cache_size: 16MiB
counter_cache_size: 0MiB
row_cache_size: 0MiB
prepared_statements_cache_size: 8MiB
concurrent_reads: 16
concurrent_writes: 16
concurrent_counter_writes: 4
concurrent_compactors: 1
compaction_throughput: 0MiB/s
# The store writes unlogged batches of up to 100 rows of one partition (about 15 KiB): above the
# default 5 KiB every batch would log a warning.
batch_size_warn_threshold: 64KiB
batch_size_fail_threshold: 640KiB

# A single node has nobody to hint for, and snapshots on TRUNCATE/DROP only cost disk and time.
hinted_handoff_enabled: false
auto_snapshot: false
snapshot_before_compaction: false
incremental_backups: false
disk_failure_policy: stop
commit_failure_policy: stop
`;
}

function logbackXml(logFile: string): string {
  return `<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${escapeXml(logFile)}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="FILE" /></root>
</configuration>
`;
}

const escapeXml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
