/**
 * @module The master's analytics consumer: every ready tenant's topic or stream (and the master's own) in one
 * consumer group, written to the store before it is acknowledged; old data pruned every hour.
 */
import { hostname } from 'node:os';
import { describeBackends, openConsumer, openStore } from '@tenantry/analytics';
import { errorMessage, MASTER_SLUG, type Logger } from '@tenantry/core';
import { OutputSeal, TenantCatalog } from '@tenantry/control-plane';
import type { MasterConfig } from '../config.js';
import { AnalyticsTraffic } from './idle-freezing.js';
import type { ControllerPod } from './pod.js';

/** Raw events (for p95 latency and active users) and per-minute aggregates are kept this many days. */
const RAW_DAYS = 7;
const AGGREGATE_DAYS = 400;

/** Starts the consumer; resolves to its stop, and the record of tenants' requests the store and the bus keep. */
export async function startAnalyticsConsumer(
  config: ControllerPod,
  master: MasterConfig,
  log: Logger,
): Promise<{ stop: () => Promise<void>; traffic: AnalyticsTraffic }> {
  const catalog = new TenantCatalog(config.DATABASE_URL, 2, new OutputSeal(master.TENANTRY_SECRET_KEY));
  const store = openStore(config, config.DATABASE_URL);
  await store.migrate();
  const consumer = openConsumer(config, {
    redisUrl: config.REDIS_URL,
    group: 'analytics-store',
    // One name per host: a restarted consumer takes back what it had not acknowledged.
    consumer: `store-${hostname()}`,
    tenants: async () => [MASTER_SLUG, ...(await catalog.list(['ready'])).map((t) => t.slug)],
  });
  const abort = new AbortController();
  const running = (async () => {
    while (!abort.signal.aborted) {
      try {
        await consumer.run(async (batch) => {
          await store.write(batch.events);
          if (batch.rejected > 0) log.warn({ rejected: batch.rejected }, "analytics events refused (unknown version, bad fields, or another tenant's id)");
        }, abort.signal);
      } catch (err) {
        log.error({ err: errorMessage(err) }, 'analytics consumer stopped; restarting in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  })();
  const prune = setInterval(() => {
    store.prune(RAW_DAYS, AGGREGATE_DAYS).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'analytics pruning failed'));
  }, 3_600_000);
  prune.unref();
  log.info({ backends: describeBackends(config) }, 'analytics consumer started');
  const stop = async () => {
    clearInterval(prune);
    abort.abort();
    await running;
    await consumer.close();
    await store.close();
    await catalog.close();
  };
  return { stop, traffic: new AnalyticsTraffic(store, consumer) };
}
