/** @module The analytics bus: how tenant programs hand events to the master. Kafka and Redis Streams implement it. */
import type { AnalyticsEvent } from './events.js';

/** A batch handed to a consumer; `ack` is called by the consumer after the batch is stored. */
export interface DeliveredBatch {
  events: AnalyticsEvent[];
  /** Messages that could not be parsed (skipped, and acknowledged with the batch). */
  rejected: number;
}

export interface BusPublisher {
  /** Sends the events of one tenant; throws when the bus does not take them. */
  publish(events: readonly AnalyticsEvent[]): Promise<void>;
  close(): Promise<void>;
}

export interface BusConsumer {
  /**
   * Delivers batches to `handle` until `signal` aborts. A batch is acknowledged only after `handle`
   * resolves; a batch whose handler throws, or whose consumer dies, is delivered again (at least once).
   */
  run(handle: (batch: DeliveredBatch) => Promise<void>, signal: AbortSignal): Promise<void>;
  /**
   * Which of `tenants` have events in their stream or topic that this consumer's group has not acknowledged
   * (not read yet, or read and not stored yet), asked of the bus itself: true even while no consumer runs.
   * Only tenants the consumer reads (its list) are looked at.
   */
  backlogged(tenants: readonly string[]): Promise<Set<string>>;
  close(): Promise<void>;
}
