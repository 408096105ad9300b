/**
 * @module The producer every tenant program runs: `record` never waits and never throws; events go
 * to the bus in batches from a bounded buffer, and what does not fit is dropped and counted, so a
 * slow or absent bus never slows or fails a tenant's request.
 */
import { newEvent, type EventData, type EventType } from './events.js';
import type { BusPublisher } from './bus.js';
import type { AnalyticsEvent } from './events.js';

export interface ProducerOptions {
  /** Events kept while the bus is slow or away; beyond it new events are dropped. @defaultValue 10000 */
  maxBuffered?: number;
  /** Events per publish. @defaultValue 500 */
  batchSize?: number;
  /** How often the buffer is flushed. @defaultValue 250 */
  flushIntervalMs?: number;
}

export interface ProducerStats {
  recorded: number;
  published: number;
  dropped: number;
  buffered: number;
  publishFailures: number;
}

export class AnalyticsProducer {
  private buffer: AnalyticsEvent[] = [];
  private readonly stats_: Omit<ProducerStats, 'buffered'> = { recorded: 0, published: 0, dropped: 0, publishFailures: 0 };
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private readonly maxBuffered: number;
  private readonly batchSize: number;

  constructor(
    private readonly tenantId: string,
    private readonly bus: BusPublisher,
    options: ProducerOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  record<T extends EventType>(type: T, data: EventData[T]): void {
    this.stats_.recorded += 1;
    if (this.buffer.length >= this.maxBuffered) {
      this.stats_.dropped += 1;
      return;
    }
    this.buffer.push(newEvent(this.tenantId, type, data));
  }

  stats(): ProducerStats {
    return { ...this.stats_, buffered: this.buffer.length };
  }

  /** Publishes what is buffered, a batch at a time; one flush runs at once (callers share it). */
  flush(): Promise<void> {
    // `finally` runs after the assignment even when there is nothing to publish.
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** A failed batch goes back to the front for the next flush (within the bound). */
  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.bus.publish(batch);
        this.stats_.published += batch.length;
      } catch {
        this.stats_.publishFailures += 1;
        const room = Math.max(0, this.maxBuffered - this.buffer.length);
        this.stats_.dropped += batch.length - Math.min(room, batch.length);
        this.buffer = [...batch.slice(0, room), ...this.buffer];
        return;
      }
    }
  }

  /** Stops the timer and tries one last flush. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.bus.close();
  }
}
