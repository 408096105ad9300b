/** @module Which requests are a tenant's traffic: everything but the platform's probes. One rule for analytics metering and idle time. */

/** The path the platform's health monitor probes each tenant at, through the gateway or ingress. */
export const HEALTH_PROBE_PATH = '/admin/api/status';

/** Every pod program's liveness path, probed by the supervisor or the kubelet. */
export const LIVENESS_PATH = '/healthz';

/**
 * Whether a request counts as the tenant's traffic (its analytics, and its idle time for freezing).
 * Only the probe paths are left out, for every caller alike: no request header can opt out, as any
 * client could send it. `target`: a path, with or without its query.
 */
export function isMetered(target: string): boolean {
  const query = target.indexOf('?');
  const pathname = query === -1 ? target : target.slice(0, query);
  return pathname !== LIVENESS_PATH && pathname !== HEALTH_PROBE_PATH;
}
