/**
 * Frozen tenants woken by their first request, through the real gateway to a real upstream: requests
 * are held, one wake serves them all, a wake that fails or takes too long is a 503 that says so, and a
 * browser gets a page that reloads itself.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { createLogger, waitFor } from '@tenantry/core';
import { WAKE_HEADER } from './complete-path.js';
import { Gateway } from './gateway.js';
import { RouteTable, type Route } from './route-table.js';

let upstream: Server;
let upstreamPort: number;
let gateway: Gateway;
let port: number;
const routes = new RouteTable();
/** What waking does in each test: by default the platform makes the route ready after 150 ms. */
let wakeHook: (tenant: string) => Promise<void>;
let wakeCalls = 0;

const frozen = (): Route => ({ host: 'sleepy.localhost', tenant: 'sleepy', state: 'frozen', upstreams: [{ prefix: '/', port: upstreamPort }] });
const awake = (): Route => ({ ...frozen(), state: 'ready' });

before(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  gateway = new Gateway({
    routes,
    log: createLogger('gateway-test', 'silent'),
    wake: {
      wake: (tenant) => {
        wakeCalls += 1;
        return wakeHook(tenant);
      },
      timeoutMs: 1_000,
      startingPageAfterMs: 100,
    },
  });
  await gateway.listen(0, '127.0.0.1');
  port = gateway.port;
});

after(async () => {
  await gateway?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

beforeEach(() => {
  routes.set(frozen());
  wakeCalls = 0;
  wakeHook = async () => {
    setTimeout(() => routes.set(awake()), 150);
  };
});

function send(options: { path?: string; method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/api/user/config',
        method: options.method ?? 'GET',
        headers: { host: 'sleepy.localhost', ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

test('100 concurrent first requests to a frozen tenant: one wake, 100 answers of 200, each saying how long the wake took', async () => {
  const wakesBefore = gateway.waker!.stats.wakes;
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => send({ path: `/api/items/${i}` })));
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(100).fill(200),
  );
  assert.deepEqual(
    answers.map((a) => JSON.parse(a.text).url),
    Array.from({ length: 100 }, (_, i) => `/api/items/${i}`),
  );
  assert.equal(wakeCalls, 1, 'one wake, however many callers');
  assert.equal(gateway.waker!.stats.wakes, wakesBefore + 1);
  for (const answer of answers) assert.ok(Number(answer.headers[WAKE_HEADER]) >= 100, `${WAKE_HEADER}: ${answer.headers[WAKE_HEADER]}`);
  // Awake: the next request goes straight through, without the header.
  const next = await send();
  assert.equal(next.status, 200);
  assert.equal(next.headers[WAKE_HEADER], undefined);
});

test("a held request's body reaches the tenant whole once it is awake", async () => {
  const answer = await send({ method: 'POST', path: '/api/tasks', headers: { 'content-type': 'application/json' }, body: '{"title":"kept"}' });
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.text).body, '{"title":"kept"}');
});

test('a wake the platform refuses is a 503 that says why, with Retry-After, at once', async () => {
  wakeHook = async () => {
    throw new Error('the tenant is being deleted');
  };
  const started = Date.now();
  const answer = await send();
  assert.equal(answer.status, 503);
  assert.equal(answer.headers['retry-after'], '1');
  assert.deepEqual(JSON.parse(answer.text).error.code, 'WAKE_FAILED');
  assert.match(JSON.parse(answer.text).error.message, /could not be woken: the tenant is being deleted/);
  assert.ok(Date.now() - started < 500);
});

test('a wake that takes too long is a 503 with Retry-After after the bound, never a hang', async () => {
  wakeHook = async () => undefined; // asked, but the tenant never becomes ready
  const failedBefore = gateway.waker!.stats.failed;
  const started = Date.now();
  const answer = await send();
  const waited = Date.now() - started;
  assert.equal(answer.status, 503);
  assert.equal(JSON.parse(answer.text).error.code, 'TENANT_WAKING');
  assert.ok(waited >= 900 && waited < 5_000, `waited ${waited} ms`);
  assert.equal(gateway.waker!.stats.failed, failedBefore + 1);
});

test('a browser asking for a page during a long wake gets a small page that reloads itself; once awake, the page', async () => {
  wakeHook = async () => {
    setTimeout(() => routes.set(awake()), 400);
  };
  const page = await send({ path: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
  assert.equal(page.status, 503);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.text, /<meta http-equiv="refresh" content="1">/);
  assert.match(page.text, /Starting sleepy/);
  await waitFor(() => routes.get('sleepy.localhost')?.state === 'ready', { what: 'sleepy to be awake', timeoutMs: 5_000, intervalMs: 20 });
  const reloaded = await send({ path: '/', headers: { accept: 'text/html' } });
  assert.equal(reloaded.status, 200);
});

test("a probe of a frozen tenant's health paths does not wake it: a 503 that says it is frozen", async () => {
  for (const path of ['/admin/api/status', '/healthz?verbose=1']) {
    const answer = await send({ path });
    assert.equal(answer.status, 503, path);
    assert.equal(JSON.parse(answer.text).error.code, 'TENANT_FROZEN');
  }
  assert.equal(wakeCalls, 0);
  assert.equal(routes.get('sleepy.localhost')?.state, 'frozen');
});

test('without a way to wake, a frozen tenant is answered 503 with Retry-After', async () => {
  const plain = new Gateway({ routes, log: createLogger('gateway-test', 'silent') });
  await plain.listen(0, '127.0.0.1');
  try {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: plain.port, path: '/', headers: { host: 'sleepy.localhost' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer, 503);
  } finally {
    await plain.close();
  }
});
