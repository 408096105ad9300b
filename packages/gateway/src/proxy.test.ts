import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createLogger } from '@tenantry/core';
import { createGatewayServer } from './proxy.js';
import { normalizeHost, RouteTable, selectUpstream } from './route-table.js';

/** A real upstream per tenant that echoes who it is and what it received. */
function echoServer(tenant: string): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ tenant, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

function send(port: number, options: { path?: string; method?: string; headers?: Record<string, string>; rawHeaders?: string[]; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: options.path ?? '/', method: options.method ?? 'GET', headers: options.rawHeaders ?? options.headers ?? {}, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const upstreams: Server[] = [];
let gateway: Server;
let port: number;

before(async () => {
  const routes = new RouteTable();
  for (const tenant of ['alpha', 'beta']) {
    const api = echoServer(`${tenant}:api`);
    const admin = echoServer(`${tenant}:admin`);
    const web = echoServer(`${tenant}:web`);
    upstreams.push(api, admin, web);
    routes.set({
      host: `${tenant}.localhost`,
      tenant,
      state: 'ready',
      upstreams: [
        { prefix: '/', port: await listen(web) },
        { prefix: '/api', port: await listen(api) },
        { prefix: '/admin/api', port: await listen(admin) },
      ],
    });
  }
  routes.set({ host: 'pending.localhost', tenant: 'pending', state: 'pending', upstreams: [] });
  routes.set({ host: 'down.localhost', tenant: 'down', state: 'ready', upstreams: [{ prefix: '/', port: 1 }] });
  gateway = createGatewayServer({ routes, log: createLogger('test', 'silent') });
  port = await listen(gateway);
});

after(() => {
  gateway.close();
  for (const s of upstreams) s.close();
});

test('routes by Host (any case, any port) and by path prefix', async () => {
  assert.equal((await send(port, { path: '/api/user/config', headers: { host: 'ALPHA.localhost:8080' } })).json.tenant, 'alpha:api');
  assert.equal((await send(port, { path: '/admin/api/x', headers: { host: 'beta.localhost' } })).json.tenant, 'beta:admin');
  assert.equal((await send(port, { path: '/apix', headers: { host: 'beta.localhost' } })).json.tenant, 'beta:web');
  assert.equal((await send(port, { path: '/', headers: { host: 'beta.localhost.' } })).json.tenant, 'beta:web');
});

test('unknown host is 404, pending tenant is 503 with Retry-After, dead upstream is 503', async () => {
  const unknown = await send(port, { headers: { host: 'nobody.localhost' } });
  assert.equal(unknown.status, 404);
  assert.equal((unknown.json.error as { code: string }).code, 'UNKNOWN_HOST');
  const pending = await send(port, { headers: { host: 'pending.localhost' } });
  assert.equal(pending.status, 503);
  assert.equal(pending.headers['retry-after'], '2');
  const down = await send(port, { headers: { host: 'down.localhost' } });
  assert.equal(down.status, 503);
  assert.ok(down.headers['retry-after']);
});

test('no forwarding header can send a request to another tenant, and client forwarding headers are replaced', async () => {
  const tricks: Record<string, string> = {
    'x-forwarded-host': 'beta.localhost',
    forwarded: 'host=beta.localhost;proto=https',
    'x-original-host': 'beta.localhost',
    'x-host': 'beta.localhost',
    'x-forwarded-for': '6.6.6.6',
    'x-real-ip': '6.6.6.6',
  };
  const answer = await send(port, { path: '/api/x', headers: { host: 'alpha.localhost', ...tricks } });
  assert.equal(answer.json.tenant, 'alpha:api');
  const seen = answer.json.headers as Record<string, string>;
  assert.equal(seen['x-forwarded-host'], 'alpha.localhost');
  assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen.forwarded, undefined);
  assert.equal(seen['x-original-host'], undefined);
  assert.equal(seen['x-real-ip'], undefined);
});

test('absolute-form targets and duplicate Host headers are refused', async () => {
  const absolute = await send(port, { path: 'http://beta.localhost/api/x', headers: { host: 'alpha.localhost' } });
  assert.equal(absolute.status, 400);
  const twice = await send(port, { path: '/api/x', rawHeaders: ['Host', 'alpha.localhost', 'Host', 'beta.localhost'] });
  assert.equal(twice.status, 400);
});

test('streams request bodies through', async () => {
  const body = 'x'.repeat(256 * 1024);
  const answer = await send(port, { method: 'POST', path: '/api/upload', headers: { host: 'alpha.localhost', 'content-type': 'text/plain' }, body });
  assert.equal(answer.json.tenant, 'alpha:api');
  assert.equal((answer.json.body as string).length, body.length);
});

test('answers Expect: 100-continue itself and still delivers the body', async () => {
  const answer = await send(port, { method: 'PUT', path: '/api/file', headers: { host: 'beta.localhost', expect: '100-continue', 'content-length': '5' }, body: 'hello' });
  assert.equal(answer.status, 200);
  assert.equal(answer.json.tenant, 'beta:api');
  assert.equal(answer.json.body, 'hello');
  assert.equal((answer.json.headers as Record<string, string>).expect, undefined);
});

test('host normalisation and prefix matching', () => {
  assert.equal(normalizeHost('Acme.Localhost:8080'), 'acme.localhost');
  assert.equal(normalizeHost('[::1]:8080'), '[::1]');
  const route = { host: 'a', tenant: 'a', state: 'ready' as const, upstreams: [{ prefix: '/admin/api', port: 2 }, { prefix: '/api', port: 1 }, { prefix: '/', port: 3 }] };
  assert.equal(selectUpstream(route, '/api')?.port, 1);
  assert.equal(selectUpstream(route, '/api?x=1')?.port, 1);
  assert.equal(selectUpstream(route, '/admin/api/t')?.port, 2);
  assert.equal(selectUpstream(route, '/admin')?.port, 3);
});
