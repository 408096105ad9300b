/**
 * @module The Kafka bus. Each tenant writes to its own topic, `tenantry.analytics.<slug>`, so the topic names the
 * tenant (on a managed cluster, the tenant's credentials are allowed to write that topic only) and no tenant can
 * write events for another. The master creates the topics of ready tenants and reads them all in one consumer
 * group, committing offsets only after a batch is stored.
 *
 * Client: @platformatic/kafka (pure JavaScript, maintained, Node 20.19+ in its 1.x line), chosen over kafkajs by
 * measured producer throughput (docs/benchmarks.md).
 */
import { Admin, Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka';
import { errorMessage } from '@tenantry/core';
import type { BusConsumer, BusPublisher, DeliveredBatch } from './bus.js';
import { parseEvent, type AnalyticsEvent } from './events.js';
import { kafkaConnectionOptions, type KafkaAuth } from './kafka-auth.js';
import { sleep } from './sleep.js';

/** The topic a tenant writes to. */
export const analyticsTopic = (tenant: string) => `tenantry.analytics.${tenant}`;

/** ListOffsets' special timestamps: a partition's first kept offset, and the offset its next message will get. */
const EARLIEST = -2n;
const LATEST = -1n;

/** Fail fast rather than wait: the producer keeps the events and retries on its next flush. */
const FAST = { connectTimeout: 2_000, timeout: 2_000, retries: 0 } as const;

export class KafkaPublisher implements BusPublisher {
  private readonly producer: Producer<string, string, string, string>;

  constructor(
    brokers: readonly string[],
    private readonly topic: string,
    clientId = 'tenantry-analytics',
    auth?: KafkaAuth,
  ) {
    this.producer = new Producer({
      clientId,
      bootstrapBrokers: [...brokers],
      ...kafkaConnectionOptions(auth),
      serializers: stringSerializers,
      acks: ProduceAcks.LEADER,
      ...FAST,
    });
  }

  async publish(events: readonly AnalyticsEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.producer.send({ messages: events.map((event) => ({ topic: this.topic, value: JSON.stringify(event) })) });
    } catch (err) {
      throw new Error(`the bus refused events: ${errorMessage(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.producer.close().catch(() => undefined);
  }
}

export interface KafkaConsumerOptions {
  brokers: readonly string[];
  /** TLS and IAM on Amazon MSK; unset, plain connections. */
  auth?: KafkaAuth | undefined;
  /** The consumer group, e.g. "analytics-store". */
  group: string;
  clientId?: string;
  /** The topics to read, by tenant (tenants come and go: called again every `refreshMs`). Missing topics are created. */
  topics: () => Promise<{ tenant: string; topic: string }[]>;
  /** Replicas of a created topic (3 on a production cluster). @defaultValue 1 */
  replicas?: number;
  /** Messages per batch at most. @defaultValue 1000 */
  batchSize?: number;
  /** How long a fetch waits for new messages. @defaultValue 500 */
  blockMs?: number;
  /** How often the list of topics is read again. @defaultValue 5000 */
  refreshMs?: number;
  /** Wait after a failed batch before it is delivered again. @defaultValue 1000 */
  retryDelayMs?: number;
}

type StringMessage = Message<string, string, string, string>;

/** Creates the topics that do not exist yet (one partition each); one created meanwhile by someone else is fine. */
export async function ensureTopics(admin: Admin, topics: readonly string[], replicas: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  await admin.createTopics({ topics: missing, partitions: 1, replicas }).catch((err: unknown) => {
    const exists = (err as { findBy?: (property: string, value: unknown) => unknown }).findBy?.('apiId', 'TOPIC_ALREADY_EXISTS');
    if (!exists) throw err;
  });
}

export class KafkaBusConsumer implements BusConsumer {
  private readonly admin: Admin;
  private readonly tenants = new Map<string, string>();
  private consumer: Consumer<string, string, string, string> | undefined;

  constructor(private readonly options: KafkaConsumerOptions) {
    this.admin = new Admin({
      clientId: options.clientId ?? 'tenantry-analytics-store',
      bootstrapBrokers: [...options.brokers],
      ...kafkaConnectionOptions(options.auth),
    });
  }

  /** A group member for one stream: a client that consumed once does not fetch again after its stream is closed. */
  private join(): Consumer<string, string, string, string> {
    return new Consumer({
      clientId: this.options.clientId ?? 'tenantry-analytics-store',
      bootstrapBrokers: [...this.options.brokers],
      ...kafkaConnectionOptions(this.options.auth),
      groupId: this.options.group,
      deserializers: stringDeserializers,
      maxWaitTime: this.options.blockMs ?? 500,
      // A consumer that died (SIGKILL, a lost node) is out of the group after 10 s, and its partitions go to the others.
      sessionTimeout: 10_000,
      rebalanceTimeout: 20_000,
      heartbeatInterval: 1_000,
    });
  }

  /** The wanted topics, created when missing; true when the set changed. */
  private async refresh(): Promise<boolean> {
    const wanted = await this.options.topics();
    await ensureTopics(
      this.admin,
      wanted.map(({ topic }) => topic),
      this.options.replicas ?? 1,
    );
    const changed = wanted.length !== this.tenants.size || wanted.some(({ topic }) => !this.tenants.has(topic));
    this.tenants.clear();
    for (const { tenant, topic } of wanted) this.tenants.set(topic, tenant);
    return changed;
  }

  private toBatch(messages: StringMessage[]): DeliveredBatch {
    const batch: DeliveredBatch = { events: [], rejected: 0 };
    for (const message of messages) {
      const event = parseEvent(message.value, this.tenants.get(message.topic));
      if (event) batch.events.push(event);
      else batch.rejected += 1;
    }
    return batch;
  }

  async run(handle: (batch: DeliveredBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const { refreshMs = 5_000, retryDelayMs = 1_000, batchSize = 1_000, blockMs = 500 } = this.options;
    while (!signal.aborted) {
      await this.refresh();
      if (this.tenants.size === 0) {
        await sleep(refreshMs, signal);
        continue;
      }
      // A stream reads from the committed offsets: after a restart, a failed batch or a change of topics,
      // whatever was not committed is delivered again.
      const consumer = (this.consumer = this.join());
      const stream = await consumer.consume({ topics: [...this.tenants.keys()], autocommit: false, mode: 'committed', fallbackMode: 'earliest' });
      let failure: unknown;
      stream.on('error', (err: unknown) => (failure = err));
      const reader = new BatchReader(stream, batchSize);
      let refreshedAt = Date.now();
      try {
        while (!signal.aborted && failure === undefined) {
          if (Date.now() - refreshedAt > refreshMs) {
            if (await this.refresh()) break;
            refreshedAt = Date.now();
          }
          const messages = await reader.take(blockMs, signal);
          if (messages.length === 0) continue;
          const batch = this.toBatch(messages);
          try {
            if (batch.events.length > 0) await handle(batch);
          } catch {
            await sleep(retryDelayMs, signal);
            break;
          }
          await commit(messages);
        }
      } finally {
        await stream.close().catch(() => undefined);
        await consumer.close().catch(() => undefined);
        this.consumer = undefined;
      }
      if (failure !== undefined && !signal.aborted) await sleep(retryDelayMs, signal);
    }
  }

  /** The group's committed offset of each partition against the partition's first and next offsets: any gap is a backlog. */
  async backlogged(tenants: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(tenants);
    const tenantOf = new Map((await this.options.topics()).filter(({ tenant }) => wanted.has(tenant)).map(({ tenant, topic }) => [topic, tenant]));
    if (tenantOf.size === 0) return new Set();
    const names = [...tenantOf.keys()];
    await ensureTopics(this.admin, names, this.options.replicas ?? 1);
    const { topics } = await this.admin.metadata({ topics: names });
    const request = (timestamp: bigint) =>
      names.map((name) => ({
        name,
        partitions: Array.from({ length: topics.get(name)?.partitionsCount ?? 1 }, (_, partitionIndex) => ({ partitionIndex, timestamp })),
      }));
    const [first, next, groups] = await Promise.all([
      this.admin.listOffsets({ topics: request(EARLIEST) }),
      this.admin.listOffsets({ topics: request(LATEST) }),
      this.admin.listConsumerGroupOffsets({ groups: [this.options.group] }),
    ]);
    const byPartition = <P extends { partitionIndex: number }>(list: { name: string; partitions: P[] }[], offset: (p: P) => bigint) =>
      new Map(list.flatMap((t) => t.partitions.map((p) => [`${t.name}\n${p.partitionIndex}`, offset(p)] as const)));
    const starts = byPartition(first, (p) => p.offset);
    const committed = byPartition(groups[0]?.topics ?? [], (p) => p.committedOffset);
    const found = new Set<string>();
    for (const [key, end] of byPartition(next, (p) => p.offset)) {
      // No commit yet (-1): the group starts at the first offset still kept.
      const at = committed.get(key) ?? -1n;
      const tenant = tenantOf.get(key.slice(0, key.indexOf('\n')));
      if (tenant && end > (at >= 0n ? at : (starts.get(key) ?? 0n))) found.add(tenant);
    }
    return found;
  }

  async close(): Promise<void> {
    await Promise.all([this.consumer?.close().catch(() => undefined), this.admin.close().catch(() => undefined)]);
  }
}

/** Commits the last offset of each topic partition in the batch. */
async function commit(messages: StringMessage[]): Promise<void> {
  const last = new Map<string, StringMessage>();
  for (const message of messages) last.set(`${message.topic}:${message.partition}`, message);
  await Promise.all([...last.values()].map((message) => message.commit()));
}

/**
 * Batches from a messages stream in flowing mode: `take` waits up to `waitMs` for a first message, then returns
 * what has arrived, up to `max`. The stream is paused while a few batches wait (backpressure) and resumed as they
 * are taken. (Reading it in paused mode with `read()` stalled once its buffer had filled.)
 */
class BatchReader {
  private readonly buffer: StringMessage[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly stream: MessagesStream<string, string, string, string>,
    private readonly max: number,
  ) {
    stream.on('data', (message: StringMessage) => {
      this.buffer.push(message);
      if (this.buffer.length >= max * 2) stream.pause();
      this.wake?.();
    });
  }

  async take(waitMs: number, signal: AbortSignal): Promise<StringMessage[]> {
    if (this.buffer.length === 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wake = undefined;
          this.stream.off('error', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        this.wake = done;
        this.stream.once('error', done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    const batch = this.buffer.splice(0, this.max);
    if (this.stream.isPaused() && this.buffer.length < this.max) this.stream.resume();
    return batch;
  }
}
