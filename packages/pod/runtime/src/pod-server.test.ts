import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { AnalyticsProducer, type AnalyticsEvent } from '@tenantry/analytics/pod';
import { waitFor } from '@tenantry/core';
import { rawHttpExchange } from '@tenantry/core/test-support';
import { createPodServer } from './pod-server.js';
import { HEALTH_PROBE_PATH } from './analytics.js';

// An in-memory bus (a stand-in for Redis Streams or Kafka): only what the producer was asked to record matters here.
const published: AnalyticsEvent[] = [];
const producer = new AnalyticsProducer(
  'acme',
  { publish: async (events) => void published.push(...events), close: async () => undefined },
  { flushIntervalMs: 10 },
);
const app = createPodServer({ program: 'user-backend', tenant: 'acme', logLevel: 'silent', analytics: producer });
app.get('/api/thing', async () => ({ ok: true }));
app.get('/api/metered', async () => ({ ok: true }));
app.get(HEALTH_PROBE_PATH, async () => ({ ok: true }));
let port: number;

after(async () => {
  await app.close();
  await producer.close();
});

before(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

const rawRequest = (head: string) => rawHttpExchange(port, head);

test('a malformed Host is a 400 that says what is wrong, never a 5xx', async () => {
  const cases: [string, RegExp][] = [
    ['Host: acme.localhost:x\r\n', /port \\"x\\"/],
    ['Host: acme.localhost:99999\r\n', /port \\"99999\\"/],
    ['Host: :@beta.localhost\r\n', /user information/],
    ['Host: [zz::1]\r\n', /IPv6/],
    ['Host: a\r\nHost: b\r\n', /more than one Host/],
  ];
  for (const [headers, message] of cases) {
    const answer = await rawRequest(`GET /api/thing HTTP/1.1\r\n${headers}`);
    assert.match(answer, /^HTTP\/1\.1 400 /, headers);
    assert.match(answer, /"code":"BAD_HOST"/, headers);
    assert.match(answer, message, headers);
  }
  assert.match(await rawRequest('GET /api/thing HTTP/1.1\r\nHost: acme.localhost:8080\r\n'), /^HTTP\/1\.1 200 /);
});

test('a request claiming to be a platform probe is metered like any other; only health paths are not', async () => {
  // Health paths first: had they been recorded, their events would be published before the last one's.
  assert.match(await rawRequest(`GET ${HEALTH_PROBE_PATH} HTTP/1.1\r\nHost: acme.localhost\r\n`), /^HTTP\/1\.1 200 /);
  assert.match(await rawRequest('GET /healthz HTTP/1.1\r\nHost: acme.localhost\r\n'), /^HTTP\/1\.1 200 /);
  assert.match(await rawRequest('GET /api/metered HTTP/1.1\r\nHost: acme.localhost\r\nX-Tenantry-Probe: 1\r\n'), /^HTTP\/1\.1 200 /);
  const routes = () => published.filter((e) => e.type === 'request').map((e) => (e.data as { route: string }).route);
  await waitFor(() => routes().includes('/api/metered'), { what: 'the metered request to be recorded', timeoutMs: 5_000, intervalMs: 10 });
  assert.deepEqual(
    routes().filter((route) => route !== '/api/thing'),
    ['/api/metered'],
  );
});
