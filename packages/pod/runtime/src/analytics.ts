/** @module Every pod program's analytics producer: events to its tenant's own topic or stream, never in a request's way. */
import { AnalyticsProducer, openPublisher, type AnalyticsBackendConfig } from '@tenantry/analytics/pod';
import { tenantRedisPrefix } from '@tenantry/core';

/** Which requests are the tenant's traffic: one rule, in core, for analytics and idle time alike. */
export { HEALTH_PROBE_PATH, isMetered } from '@tenantry/core';

export function startPodAnalytics(
  config: Pick<AnalyticsBackendConfig, 'KAFKA_BROKERS' | 'KAFKA_AUTH' | 'AWS_REGION'> & {
    TENANT_ID: string;
    REDIS_URL: string;
    REDIS_PREFIX?: string | undefined;
  },
): AnalyticsProducer {
  const redis = { url: config.REDIS_URL, prefix: config.REDIS_PREFIX ?? tenantRedisPrefix(config.TENANT_ID) };
  return new AnalyticsProducer(config.TENANT_ID, openPublisher(config, config.TENANT_ID, redis));
}

export type { AnalyticsProducer } from '@tenantry/analytics/pod';
