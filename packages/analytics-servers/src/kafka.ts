/**
 * @module Apache Kafka in KRaft mode (no ZooKeeper), one node that is both broker and controller, on loopback.
 * The jars are org.apache.kafka:kafka_2.13 and its dependencies from Maven Central.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifact } from './maven-cache.js';
import { javaCommand, type Launch } from './launch.js';
import { kafkaClusterId, kafkaFormatArgs } from './kafka-cluster-id.js';

export const KAFKA_VERSION = '4.1.1';

export const kafkaArtifacts: readonly Artifact[] = [
  `org.apache.kafka:kafka_2.13:${KAFKA_VERSION}`,
  // Kafka logs through SLF4J 1.7 and ships no binding; without one it would log nothing at all.
  'org.slf4j:slf4j-simple:1.7.36',
];

export interface KafkaOptions {
  libsDir: string;
  dataDir: string;
  host?: string;
  /** The client port. */
  port: number;
  /** The KRaft controller port. */
  controllerPort: number;
  heapMb?: number;
  /** The id the storage is formatted with the first time. @defaultValue a new random one */
  clusterId?: string;
}

function properties(options: KafkaOptions): string {
  const host = options.host ?? '127.0.0.1';
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${options.controllerPort}`,
    `listeners=PLAINTEXT://${host}:${options.port},CONTROLLER://${host}:${options.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${options.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(options.dataDir, 'logs')}`,
    // One node: every internal topic has one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'num.partitions=1',
    // A consumer group forms at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    // Topics are created by the master (one per tenant), as on a managed cluster where producers may not create them.
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    'log.segment.bytes=67108864',
    '',
  ].join('\n');
}

function java(libsDir: string, heapMb: number, mainClass: string, args: string[]): { command: string; args: string[] } {
  const command = javaCommand();
  return {
    command,
    args: [
      `-Xms${heapMb}m`,
      `-Xmx${heapMb}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp',
      join(libsDir, '*'),
      mainClass,
      ...args,
    ],
  };
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.slice(-4).join(' ')} failed (exit ${code}): ${stderr.trim().slice(-2000)}`)),
    );
  });
}

/** Writes the configuration, formats the storage the first time, and returns how to start the node. */
export async function prepareKafka(options: KafkaOptions): Promise<Launch> {
  const heapMb = options.heapMb ?? 512;
  mkdirSync(options.dataDir, { recursive: true });
  const config = join(options.dataDir, 'server.properties');
  writeFileSync(config, properties(options));
  if (!existsSync(join(options.dataDir, 'logs', 'meta.properties'))) {
    const format = java(options.libsDir, 256, 'kafka.tools.StorageTool', kafkaFormatArgs(options.clusterId ?? kafkaClusterId(), config));
    await run(format.command, format.args);
  }
  return { ...java(options.libsDir, heapMb, 'kafka.Kafka', [config]), env: {}, host: options.host ?? '127.0.0.1', port: options.port };
}
