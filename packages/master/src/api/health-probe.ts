/** @module Probes a tenant's admin backend through the gateway (or ingress), by the tenant's host name. */
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { tenantHost } from '@tenantry/core';
import { HEALTH_PROBE_PATH } from '@tenantry/pod-runtime';

export function gatewayProbe(entryUrl: string, domain: string, publicPort: number, timeoutMs = 2_000) {
  const entry = new URL(entryUrl);
  const send = entry.protocol === 'https:' ? requestTls : request;
  return (slug: string) =>
    new Promise<{ ok: boolean; detail: string }>((resolve, reject) => {
      const started = performance.now();
      const host = `${tenantHost(slug, domain)}${publicPort === 80 ? '' : `:${publicPort}`}`;
      const req = send({ host: entry.hostname, port: entry.port, path: HEALTH_PROBE_PATH, headers: { host }, timeout: timeoutMs }, (res) => {
        res.resume();
        res.once('end', () => {
          const ms = Math.round(performance.now() - started);
          resolve({ ok: res.statusCode === 200, detail: `HTTP ${res.statusCode} in ${ms} ms` });
        });
        // A connection cut in the middle of the body settles the probe too (a no-op once it ended).
        res.once('error', reject);
        res.once('close', () => reject(new Error('the connection closed before the answer was complete')));
      });
      req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.once('error', reject);
      req.end();
    });
}
