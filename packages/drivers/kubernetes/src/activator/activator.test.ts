/**
 * The activator for real, against local HTTP servers: three of them play a tenant's Services (user backend,
 * admin backend, frontend), and a small stand-in of the master's tenants API (list, get, PATCH state) plays
 * the master, whose phase changes when the test says. Held requests, one wake for many, forwarding by path,
 * and a wake that fails, is refused or takes too long answered 503 with Retry-After; a browser's starting page.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ConfigError, createLogger, waitFor } from '@tenantry/core';
import { WAKE_HEADER } from '@tenantry/gateway';
import { Activator } from './activator.js';
import { readActivatorConfig } from './config.js';

const TOKEN = 'operator-token-0123456789';
const PROGRAMS = [
  { name: 'user-backend', routes: ['/api'] },
  { name: 'admin-backend', routes: ['/admin/api'] },
  { name: 'scheduler', routes: [] },
  { name: 'frontend', routes: ['/'] },
];

interface FakeTenant {
  status: string;
  conditions: { type: string; reason: string; message: string }[];
  /** What a PATCH {"state":"active"} does to it. */
  onWake: 'ready-when-released' | 'fail' | 'refuse' | 'never';
}

const tenants = new Map<string, FakeTenant>();
const patches: { slug: string; body: string; authorization: string | undefined }[] = [];
let release: () => void = () => undefined;
const servers: Server[] = [];
const ports: Record<string, number> = {};
let masterPort: number;
let activator: Activator | undefined;

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

/** The master's tenants API as the activator uses it (a stand-in: the real one is tested in control-plane). */
function fakeMaster(): Server {
  const view = (slug: string) => ({ slug, host: `${slug}.example.com`, ...tenants.get(slug)!, onWake: undefined });
  return createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: { code: 'UNAUTHORIZED', message: 'the admin token is required' } });
      if (req.url === '/admin/api/tenants' && req.method === 'GET') return send(200, { tenants: [...tenants.keys()].map(view) });
      const slug = /^\/admin\/api\/tenants\/([a-z0-9-]+)$/.exec(req.url ?? '')?.[1];
      const tenant = slug ? tenants.get(slug) : undefined;
      if (!slug || !tenant) return send(404, { error: { code: 'TENANT_NOT_FOUND', message: `no tenant ${slug}` } });
      if (req.method === 'GET') return send(200, view(slug));
      patches.push({ slug, body, authorization: req.headers.authorization });
      if (tenant.onWake === 'refuse') return send(409, { error: { code: 'TENANT_DELETING', message: `tenant ${slug} is being deleted` } });
      if (tenant.onWake === 'fail')
        tenant.conditions = [
          { type: 'Frozen', reason: 'WakeFailed', message: 'step pod could not wake: every Deployment of tenant-broken to be Ready timed out' },
        ];
      if (tenant.onWake === 'ready-when-released') release = () => (tenant.status = 'ready');
      send(200, view(slug));
    })();
  });
}

/** A request to the activator with a Host header of the tenant's. */
function ask(host: string, path: string, options: { method?: string; body?: string; accept?: string } = {}) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>((resolve, reject) => {
    const req = request(
      {
        port: activator!.port,
        host: '127.0.0.1',
        path,
        method: options.method ?? 'GET',
        headers: { host, ...(options.accept ? { accept: options.accept } : {}), ...(options.body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        void readBody(res).then((body) => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

before(async () => {
  for (const program of ['user-backend', 'admin-backend', 'frontend']) {
    ports[program] = await listen(
      createServer((req, res) => {
        void readBody(req).then((body) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ program, url: req.url, method: req.method, body, host: req.headers.host }));
        });
      }),
    );
  }
  masterPort = await listen(fakeMaster());
  activator = new Activator({
    masterUrl: `http://127.0.0.1:${masterPort}`,
    adminToken: TOKEN,
    programs: PROGRAMS,
    // Each tenant's "Services" are the same three local servers; the host is given, as for a Service's DNS name.
    upstream: (_slug, program) => ({ host: '127.0.0.1', port: ports[program]! }),
    wakeTimeoutMs: 1_500,
    syncIntervalMs: 60_000,
    pollIntervalMs: 20,
    startingPageAfterMs: 200,
    log: createLogger('activator-test', 'silent'),
  });
  tenants.set('awake', { status: 'ready', conditions: [], onWake: 'never' });
  tenants.set('sleepy', { status: 'frozen', conditions: [], onWake: 'ready-when-released' });
  await activator.start(0, '127.0.0.1');
});

after(async () => {
  await activator?.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

test("a ready tenant's requests are forwarded at once, each path to its program's Service", async () => {
  for (const [path, program] of [
    ['/api/user/config', 'user-backend'],
    ['/admin/api/status', 'admin-backend'],
    ['/projects', 'frontend'],
  ] as const) {
    const answer = await ask('awake.example.com', path);
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body).program, program, path);
  }
  assert.equal((await ask('nobody.example.com', '/')).status, 404, 'a host the master does not know');
  assert.equal(patches.length, 0);
});

test('a frozen tenant: 30 concurrent requests held, one wake through the master, then every one forwarded (bodies too) with the wake time', async () => {
  const answers = Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? ask('sleepy.example.com', '/api/tasks', { method: 'POST', body: JSON.stringify({ n: i }) })
        : ask('sleepy.example.com', `/admin/api/users?i=${i}`),
    ),
  );
  let settled = false;
  void answers.then(() => (settled = true));
  await waitFor(() => patches.length === 1, { what: 'the wake to reach the master', timeoutMs: 5_000 });
  assert.deepEqual(patches[0], { slug: 'sleepy', body: '{"state":"active"}', authorization: `Bearer ${TOKEN}` });
  // The master has not finished waking it: nothing is answered yet.
  await activator!.sync();
  assert.equal(settled, false, 'held while the tenant wakes');
  release();
  const all = await answers;
  for (const [i, answer] of all.entries()) {
    assert.equal(answer.status, 200, answer.body);
    const echoed = JSON.parse(answer.body) as { program: string; method: string; body: string; host: string };
    assert.equal(echoed.program, i % 3 === 0 ? 'user-backend' : 'admin-backend');
    if (i % 3 === 0) assert.deepEqual([echoed.method, echoed.body], ['POST', JSON.stringify({ n: i })]);
    assert.equal(echoed.host, 'sleepy.example.com', "the tenant's host is kept");
    assert.match(String(answer.headers[WAKE_HEADER]), /^\d+$/);
  }
  assert.equal(patches.length, 1, 'one wake for 30 requests');
  // Woken: later requests go straight through, and a list read later agrees.
  await activator!.sync();
  assert.equal((await ask('sleepy.example.com', '/')).status, 200);
  assert.equal(patches.length, 1);
});

test('a wake the master records as failed is a 503 with Retry-After that says why, at once; a refused one too', async () => {
  tenants.set('broken', { status: 'frozen', conditions: [], onWake: 'fail' });
  tenants.set('deleting', { status: 'frozen', conditions: [], onWake: 'refuse' });
  await activator!.sync();
  const started = Date.now();
  const broken = await ask('broken.example.com', '/api/user/config');
  assert.equal(broken.status, 503);
  assert.ok(broken.headers['retry-after']);
  assert.match(JSON.parse(broken.body).error.message, /could not wake: every Deployment of tenant-broken to be Ready timed out/);
  assert.ok(Date.now() - started < 1_500, 'not held until the deadline');

  const refused = await ask('deleting.example.com', '/api/user/config');
  assert.equal(refused.status, 503);
  assert.ok(refused.headers['retry-after']);
  assert.match(JSON.parse(refused.body).error.message, /409: tenant deleting is being deleted/);
});

test('a wake that does not finish: an API client gets 503 with Retry-After at the deadline, a browser the self-reloading starting page first', async () => {
  tenants.set('stuck', { status: 'frozen', conditions: [], onWake: 'never' });
  await activator!.sync();
  const [api, page] = await Promise.all([
    ask('stuck.example.com', '/api/projects'),
    ask('stuck.example.com', '/', { accept: 'text/html,application/xhtml+xml' }),
  ]);
  assert.equal(api.status, 503);
  assert.ok(api.headers['retry-after']);
  assert.match(JSON.parse(api.body).error.message, /1500 ms|1\.5 s/);
  assert.equal(page.status, 503);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body, /http-equiv="refresh"[\s\S]*Starting stuck…/);
});

test('a tenant deleted or failed is forgotten at the next read of the list', async () => {
  tenants.get('awake')!.status = 'deprovisioning';
  await activator!.sync();
  assert.equal((await ask('awake.example.com', '/')).status, 404);
});

test('its configuration is read once from the environment, and every bad value is named', () => {
  const config = readActivatorConfig({ TENANTRY_MASTER_URL: 'http://master-admin-backend.tenantry-system.svc:8080', ADMIN_TOKEN: TOKEN });
  assert.equal(config.PORT, 8080);
  assert.equal(config.TENANTRY_WAKE_TIMEOUT_MS, 15_000);
  assert.ok(Object.isFrozen(config));
  assert.throws(
    () => readActivatorConfig({ TENANTRY_MASTER_URL: 'master', ADMIN_TOKEN: 'short', PORT: '70000', TENANTRY_WAKE_TIMEOUT_MS: '10' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      ['TENANTRY_MASTER_URL', 'ADMIN_TOKEN', 'PORT', 'TENANTRY_WAKE_TIMEOUT_MS'].every((name) => err.problems.some((p) => p.startsWith(`${name}:`))),
  );
});
