/** @module Every pod program's analytics producer: events to its tenant's own topic or stream, never in a request's way. */
import { AnalyticsProducer, openPublisher, type AnalyticsBackendConfig } from '@tenantry/analytics/pod';
import { tenantRedisPrefix } from '@tenantry/core';

/** The path the platform's health monitor probes each tenant at, through the gateway or ingress. */
export const HEALTH_PROBE_PATH = '/admin/api/status';

/**
 * Whether a request counts as the tenant's traffic. Only health paths are left out, for every
 * caller alike: no request header can opt out, as any client could send it.
 */
export function isMetered(pathname: string): boolean {
  return pathname !== '/healthz' && pathname !== HEALTH_PROBE_PATH;
}

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
