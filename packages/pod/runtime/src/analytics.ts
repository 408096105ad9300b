/** @module Every pod program's analytics producer: events to its tenant's own stream, never in a request's way. */
import { AnalyticsProducer, RedisStreamPublisher, analyticsStream } from '@tenantry/analytics';

/** Requests carrying this header (the platform's health probes) are not counted as the tenant's traffic. */
export const PROBE_HEADER = 'x-tenantry-probe';

export function startPodAnalytics(config: { TENANT_ID: string; REDIS_URL: string; REDIS_PREFIX?: string | undefined }): AnalyticsProducer {
  const prefix = config.REDIS_PREFIX ?? `t:${config.TENANT_ID}`;
  return new AnalyticsProducer(config.TENANT_ID, new RedisStreamPublisher(config.REDIS_URL, analyticsStream(prefix)));
}

export type { AnalyticsProducer } from '@tenantry/analytics';
