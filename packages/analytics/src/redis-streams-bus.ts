/**
 * @module The embedded bus: Redis Streams. Each tenant appends to a stream under its own key prefix
 * (its Redis login can reach nothing else), so the stream names the tenant and no tenant can write
 * events for another. The master reads every tenant's stream in one consumer group.
 */
import { Redis } from 'ioredis';
import { errorMessage } from '@tenantry/core';
import type { BusConsumer, BusPublisher, DeliveredBatch } from './bus.js';
import { parseEvent, type AnalyticsEvent } from './events.js';
import { sleep } from './sleep.js';

/** The stream a tenant writes to: inside the prefix its Redis login is limited to. */
export const analyticsStream = (prefix: string) => `${prefix}:analytics`;

/** Streams are trimmed to about this many entries: a consumer far behind loses the oldest, not memory. */
const MAX_STREAM_LENGTH = 200_000;

export class RedisStreamPublisher implements BusPublisher {
  private readonly redis: Redis;

  constructor(
    redisUrl: string,
    private readonly stream: string,
  ) {
    // Fail fast rather than wait for a reconnect: the producer keeps the events and retries on its next flush.
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 0, commandTimeout: 2_000 });
    this.redis.on('error', () => {
      // Reconnects by itself; publish() reports the failure meanwhile.
    });
  }

  async publish(events: readonly AnalyticsEvent[]): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const event of events) pipeline.xadd(this.stream, 'MAXLEN', '~', MAX_STREAM_LENGTH, '*', 'e', JSON.stringify(event));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw new Error(`the bus refused events: ${errorMessage(failed[0])}`);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

export interface RedisStreamConsumerOptions {
  redisUrl: string;
  /** The consumer group, e.g. "analytics-store". */
  group: string;
  /** This consumer's name in the group; a restarted consumer with the same name resumes its pending messages. */
  consumer: string;
  /** The streams to read, by tenant (tenants come and go: called again every `refreshMs`). */
  streams: () => Promise<{ tenant: string; stream: string }[]>;
  /** Messages per read. @defaultValue 1000 */
  batchSize?: number;
  /** How long a read waits for new messages. @defaultValue 1000 */
  blockMs?: number;
  /** How often the list of streams is read again. @defaultValue 5000 */
  refreshMs?: number;
  /** Messages another consumer left pending this long are claimed (it is taken to be dead). @defaultValue 30000 */
  claimIdleMs?: number;
  /** Wait after a failed batch before it is delivered again. @defaultValue 1000 */
  retryDelayMs?: number;
}

type StreamReply = [key: string, entries: [id: string, fields: string[]][]][];

export class RedisStreamConsumer implements BusConsumer {
  private readonly redis: Redis;
  private readonly known = new Map<string, string>();

  constructor(private readonly options: RedisStreamConsumerOptions) {
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.redis.on('error', () => {
      // Reconnects by itself; the loop waits for it.
    });
  }

  /**
   * Reads the list of streams again: streams no longer listed (a deleted tenant) are dropped, new ones get the
   * group. With `repair`, every listed stream whose group is gone (its key deleted, the group destroyed) gets it
   * again: one stream's loss must not stop the reads of the others, as one read covers them all.
   */
  private async refresh(repair = false): Promise<void> {
    const listed = await this.options.streams();
    const wanted = new Set(listed.map(({ stream }) => stream));
    for (const stream of [...this.known.keys()]) if (!wanted.has(stream)) this.known.delete(stream);
    for (const { tenant, stream } of listed) {
      if (this.known.has(stream) && !(repair && !(await this.hasGroup(stream)))) continue;
      await this.redis.xgroup('CREATE', stream, this.options.group, '0', 'MKSTREAM').catch((err: unknown) => {
        if (!errorMessage(err).includes('BUSYGROUP')) throw err;
      });
      this.known.set(stream, tenant);
    }
  }

  private async hasGroup(stream: string): Promise<boolean> {
    const groups = (await this.redis.call('XINFO', 'GROUPS', stream).catch((err: unknown) => {
      // The key is gone (or was replaced by another type): the group has to be made again.
      if (/no such key|WRONGTYPE/i.test(errorMessage(err))) return [];
      throw err;
    })) as unknown[][];
    return groups.some((fields) => fields[fields.indexOf('name') + 1] === this.options.group);
  }

  /** Turns a read into a batch (with the ids to acknowledge per stream). */
  private toBatch(reply: StreamReply | null): { batch: DeliveredBatch; ids: Map<string, string[]> } {
    const batch: DeliveredBatch = { events: [], rejected: 0 };
    const ids = new Map<string, string[]>();
    for (const [stream, entries] of reply ?? []) {
      const tenant = this.known.get(stream);
      for (const [id, fields] of entries) {
        ids.set(stream, [...(ids.get(stream) ?? []), id]);
        const raw = fields?.[fields.indexOf('e') + 1];
        const event = raw === undefined ? undefined : parseEvent(raw, tenant);
        if (event) batch.events.push(event);
        else batch.rejected += 1;
      }
    }
    return { batch, ids };
  }

  private async claimAbandoned(): Promise<void> {
    const { group, consumer, claimIdleMs = 30_000 } = this.options;
    for (const stream of this.known.keys()) {
      await this.redis.xautoclaim(stream, group, consumer, claimIdleMs, '0-0', 'COUNT', 1_000).catch((err: unknown) => {
        // Its stream or group was removed since the refresh: the next read repairs it.
        if (!isNoGroup(err)) throw err;
      });
    }
  }

  async backlogged(tenants: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(tenants);
    const found = new Set<string>();
    for (const { tenant, stream } of await this.options.streams()) {
      if (wanted.has(tenant) && (await this.hasBacklog(stream))) found.add(tenant);
    }
    return found;
  }

  /** Whether `stream` holds entries the group has not acknowledged: pending, or not delivered yet (its lag, or its last id when Redis cannot tell the lag). */
  private async hasBacklog(stream: string): Promise<boolean> {
    const length = await this.redis.xlen(stream);
    if (length === 0) return false;
    const groups = (await this.redis.call('XINFO', 'GROUPS', stream).catch((err: unknown) => {
      if (/no such key|WRONGTYPE/i.test(errorMessage(err))) return [];
      throw err;
    })) as unknown[][];
    const info = groups.map((fields) => new Map(Array.from({ length: fields.length / 2 }, (_, i) => [String(fields[2 * i]), fields[2 * i + 1]])));
    const mine = info.find((fields) => fields.get('name') === this.options.group);
    // No group yet: it is made reading from the first entry, so every entry waits for it.
    if (!mine) return true;
    if (Number(mine.get('pending')) > 0) return true;
    const lag = mine.get('lag');
    if (lag !== null && lag !== undefined) return Number(lag) > 0;
    const last = (await this.redis.call('XINFO', 'STREAM', stream)) as unknown[];
    return last[last.indexOf('last-generated-id') + 1] !== mine.get('last-delivered-id');
  }

  async run(handle: (batch: DeliveredBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const { group, consumer, batchSize = 1_000, blockMs = 1_000, refreshMs = 5_000, retryDelayMs = 1_000 } = this.options;
    let refreshedAt = 0;
    // First what this consumer was given and never acknowledged (a restart after a crash), then new messages.
    let pendingFirst = true;
    while (!signal.aborted) {
      if (Date.now() - refreshedAt > refreshMs) {
        await this.refresh();
        await this.claimAbandoned();
        refreshedAt = Date.now();
        pendingFirst = true;
      }
      const streams = [...this.known.keys()];
      if (streams.length === 0) {
        await sleep(Math.min(refreshMs, blockMs), signal);
        continue;
      }
      const from = pendingFirst ? '0' : '>';
      let reply: StreamReply | null;
      try {
        reply = (await this.redis.call(
          'XREADGROUP',
          'GROUP',
          group,
          consumer,
          'COUNT',
          batchSize,
          ...(pendingFirst ? [] : ['BLOCK', blockMs]),
          'STREAMS',
          ...streams,
          ...streams.map(() => from),
        )) as StreamReply | null;
      } catch (err) {
        if (!isNoGroup(err)) throw err;
        // A stream of the read lost its group (its tenant deleted, its key or group removed): drop or recreate
        // that one now, and read the others again at once.
        await this.refresh(true);
        refreshedAt = Date.now();
        pendingFirst = true;
        continue;
      }
      const { batch, ids } = this.toBatch(reply);
      if (ids.size === 0) {
        pendingFirst = false;
        continue;
      }
      try {
        if (batch.events.length > 0) await handle(batch);
      } catch {
        // Not acknowledged: delivered again from this consumer's pending list after a pause.
        pendingFirst = true;
        await sleep(retryDelayMs, signal);
        continue;
      }
      const ack = this.redis.pipeline();
      for (const [stream, list] of ids) ack.xack(stream, group, ...list);
      await ack.exec();
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/**
 * Redis's answers when a stream of a read has no group: it names a key or group that does not exist (NOGROUP),
 * or the key or group was removed while the read was blocked on it (UNBLOCKED).
 */
const isNoGroup = (err: unknown) => /^(NOGROUP|UNBLOCKED)/.test(errorMessage(err));
