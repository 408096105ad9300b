import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createLogger } from '@tenantry/core';
import { Gateway } from './gateway.js';
import { routeHost, RouteTable, selectUpstream } from './route-table.js';

/** A real upstream per tenant that echoes who it is and what it received. */
function echoServer(tenant: string): Server {
  return createServer((req, res) => {
    if (req.url === '/api/chunked') {
      res.write(`${tenant}:part1;`);
      setTimeout(() => res.end(`${tenant}:part2`), 5);
      return;
    }
    if (req.url === '/api/big') {
      res.setHeader('content-length', BIG.length);
      res.end(BIG);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ tenant, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
}

const BIG = Buffer.alloc(3 * 1024 * 1024, 'b');

/** Writes raw bytes on one connection and collects what comes back until `done` says so or the server closes. */
function raw(port: number, writes: (string | Buffer)[], done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (done(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.on('connect', async () => {
      for (const part of writes) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

function send(
  port: number,
  options: { path?: string; method?: string; headers?: Record<string, string>; rawHeaders?: string[]; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: options.rawHeaders ?? options.headers ?? {},
        setHost: false,
      },
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
let gateway: Gateway;
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
  gateway = new Gateway({ routes, log: createLogger('test', 'silent') });
  await gateway.listen(0, '127.0.0.1');
  port = gateway.port;
});

after(async () => {
  await gateway.close();
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
  const answer = await send(port, {
    method: 'PUT',
    path: '/api/file',
    headers: { host: 'beta.localhost', expect: '100-continue', 'content-length': '5' },
    body: 'hello',
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.json.tenant, 'beta:api');
  assert.equal(answer.json.body, 'hello');
  assert.equal((answer.json.headers as Record<string, string>).expect, undefined);
});

test('host normalisation and prefix matching', () => {
  assert.equal(routeHost('Acme.Localhost.:8080'), 'acme.localhost');
  assert.equal(routeHost('[::1]:8080'), '[::1]');
  assert.throws(() => routeHost('acme localhost'), /a route's host: .*visible ASCII/);
  const route = {
    host: 'a',
    tenant: 'a',
    state: 'ready' as const,
    upstreams: [
      { prefix: '/admin/api', port: 2 },
      { prefix: '/api', port: 1 },
      { prefix: '/', port: 3 },
    ],
  };
  assert.equal(selectUpstream(route, '/api')?.port, 1);
  assert.equal(selectUpstream(route, '/api?x=1')?.port, 1);
  assert.equal(selectUpstream(route, '/admin/api/t')?.port, 2);
  assert.equal(selectUpstream(route, '/admin')?.port, 3);
});

test('pipelined requests on one connection each reach the tenant their own Host names, in order', async () => {
  const text = await raw(
    port,
    [
      'GET /api/a HTTP/1.1\r\nHost: alpha.localhost\r\n\r\nGET /api/b HTTP/1.1\r\nHost: beta.localhost\r\n\r\nGET /api/c HTTP/1.1\r\nHost: alpha.localhost\r\nConnection: close\r\n\r\n',
    ],
    () => false,
  );
  const tenants = [...text.matchAll(/"tenant":"(\w+:\w+)"/g)].map((m) => m[1]);
  assert.deepEqual(tenants, ['alpha:api', 'beta:api', 'alpha:api']);
});

test('a body with Content-Length is delivered whole even when it arrives in pieces, and the next request follows', async () => {
  const text = await raw(
    port,
    [
      'POST /api/x HTTP/1.1\r\nHost: alpha.localhost\r\nContent-Length: 11\r\n\r\nhello',
      ' world',
      'GET /api/y HTTP/1.1\r\nHost: beta.localhost\r\nConnection: close\r\n\r\n',
    ],
    () => false,
  );
  assert.match(text, /"body":"hello world"/);
  assert.match(text, /"tenant":"beta:api","url":"\/api\/y"/);
});

test('chunked responses, large responses and HEAD are framed correctly on a kept-alive connection', async () => {
  const text = await raw(
    port,
    [
      'GET /api/chunked HTTP/1.1\r\nHost: alpha.localhost\r\n\r\n',
      'HEAD /api/big HTTP/1.1\r\nHost: alpha.localhost\r\n\r\n',
      'GET /api/big HTTP/1.1\r\nHost: beta.localhost\r\n\r\n',
      'GET /api/after HTTP/1.1\r\nHost: beta.localhost\r\nConnection: close\r\n\r\n',
    ],
    () => false,
  );
  assert.match(text, /alpha:api:part1;/);
  assert.match(text, /alpha:api:part2/);
  assert.equal(count(text, 'b'.repeat(1024)), Math.floor(BIG.length / 1024));
  assert.equal(count(text, 'HTTP/1.1 200'), 4);
  assert.match(text, /"url":"\/api\/after"/);
});

test('slowly written heads, HTTP/1.0 and chunked uploads are all served', async () => {
  const slow = await raw(port, ['GET /api/slow HT', 'TP/1.1\r\nHo', 'st: beta.localhost\r\nConnection: close\r\n', '\r\n'], () => false);
  assert.match(slow, /"tenant":"beta:api","url":"\/api\/slow"/);
  const old = await raw(port, ['GET /api/old HTTP/1.0\r\nHost: alpha.localhost\r\n\r\n'], () => false);
  assert.match(old, /"tenant":"alpha:api","url":"\/api\/old"/);
  const chunked = await raw(
    port,
    ['POST /api/up HTTP/1.1\r\nHost: alpha.localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    () => false,
  );
  assert.match(chunked, /"body":"hello"/);
  const pipelinedAfterHandOver = await raw(
    port,
    [
      'POST /api/up HTTP/1.1\r\nHost: alpha.localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /api/next HTTP/1.1\r\nHost: beta.localhost\r\nConnection: close\r\n\r\n',
    ],
    () => false,
  );
  assert.match(pipelinedAfterHandOver, /"tenant":"alpha:api".*"body":"abc"[\s\S]*"tenant":"beta:api","url":"\/api\/next"/);
});

test('smuggling attempts get a 400, never a request to another tenant', async () => {
  const both = await raw(
    port,
    [
      'POST /api/x HTTP/1.1\r\nHost: alpha.localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/evil HTTP/1.1\r\nHost: beta.localhost\r\n\r\n',
    ],
    () => false,
  );
  assert.match(both, /^HTTP\/1\.1 400/);
  assert.doesNotMatch(both, /beta:api/);
  const twoLengths = await raw(port, ['POST /api/x HTTP/1.1\r\nHost: alpha.localhost\r\nContent-Length: 1\r\nContent-Length: 40\r\n\r\nx'], () => false);
  assert.match(twoLengths, /^HTTP\/1\.1 400/);
});

test('a kept-alive upstream connection the tenant closed is replaced transparently', async () => {
  const first = await send(port, { path: '/api/one', headers: { host: 'alpha.localhost' } });
  assert.equal(first.status, 200);
  for (const server of upstreams) server.closeIdleConnections();
  await new Promise((r) => setTimeout(r, 20));
  const second = await send(port, { path: '/api/two', headers: { host: 'alpha.localhost' } });
  assert.equal(second.status, 200);
  assert.equal(second.json.url, '/api/two');
});

test('a large upload streams through while the upstream connection is being made', async () => {
  const body = 'u'.repeat(2 * 1024 * 1024);
  const answer = await send(port, {
    method: 'POST',
    path: '/api/upload',
    headers: { host: 'beta.localhost', 'content-type': 'text/plain', 'content-length': String(body.length) },
    body,
  });
  assert.equal(answer.status, 200);
  assert.equal((answer.json.body as string).length, body.length);
});

test('internal x-tenantry-* headers never reach a tenant, on either path and in pipelined requests', async () => {
  const internal = { 'x-tenantry-probe': '1', 'X-Tenantry-Tenant': 'beta', 'x-tenantry-anything': 'y' };
  // Fast path.
  const fast = await send(port, { path: '/api/x', headers: { host: 'alpha.localhost', ...internal } });
  const fastSeen = fast.json.headers as Record<string, string>;
  for (const name of Object.keys(fastSeen)) assert.ok(!name.startsWith('x-tenantry-'), `fast path forwarded ${name}`);
  // Complete path (a chunked upload is handed over).
  const complete = await send(port, {
    method: 'POST',
    path: '/api/x',
    headers: { host: 'alpha.localhost', 'transfer-encoding': 'chunked', ...internal },
    body: 'b',
  });
  assert.equal(complete.json.body, 'b');
  const completeSeen = complete.json.headers as Record<string, string>;
  for (const name of Object.keys(completeSeen)) assert.ok(!name.startsWith('x-tenantry-'), `complete path forwarded ${name}`);
  // Pipelined, the second request handed over mid-connection (HTTP/1.0).
  const text = await raw(
    port,
    [
      'GET /api/a HTTP/1.1\r\nHost: alpha.localhost\r\nX-Tenantry-Probe: 1\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n' +
        'GET /api/b HTTP/1.0\r\nHost: beta.localhost\r\nx-tenantry-probe: 1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: alpha.localhost\r\n\r\n',
    ],
    () => false,
  );
  const bodies = [...text.matchAll(/\{"tenant".*?"body":""\}/g)].map((m) => JSON.parse(m[0]) as { tenant: string; headers: Record<string, string> });
  assert.deepEqual(
    bodies.map((b) => b.tenant),
    ['alpha:api', 'beta:api'],
  );
  for (const { headers } of bodies) {
    assert.equal(headers['x-tenantry-probe'], undefined);
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['x-forwarded-proto'], 'http');
  }
  assert.equal(bodies[1]!.headers['x-forwarded-host'], 'beta.localhost');
});

test('a malformed Host is refused with 400 and a JSON reason, on either path', async () => {
  const cases: [string[], RegExp][] = [
    [['Host', 'alpha.localhost:x'], /port "x"/],
    [['Host', 'alpha.localhost:99999'], /port "99999"/],
    [['Host', 'alpha.localhost:0'], /port "0"/],
    [['Host', ':@beta.localhost'], /user information/],
    [['Host', 'user@beta.localhost'], /user information/],
    [['Host', ''], /no Host header|empty/],
    [['Host', 'alpha .localhost'], /spaces/],
    [['Host', '[::1'], /never closes/],
    [['Host', '[::g]:80'], /IPv6/],
    [['Host', 'alpha.localhost', 'Host', 'beta.localhost'], /more than one Host/],
  ];
  for (const [rawHeaders, message] of cases) {
    for (const via of ['fast', 'complete']) {
      const extra = via === 'complete' ? ['Transfer-Encoding', 'chunked'] : [];
      const answer = await send(port, {
        method: via === 'complete' ? 'POST' : 'GET',
        path: '/api/x',
        rawHeaders: [...rawHeaders, ...extra],
        ...(via === 'complete' ? { body: 'b' } : {}),
      });
      assert.equal(answer.status, 400, `${via}: ${rawHeaders.join(' ')}`);
      const error = answer.json.error as { code: string; message: string };
      assert.match(error.message, message, `${via}: ${rawHeaders.join(' ')}`);
    }
  }
  assert.equal((await send(port, { path: '/api/x', headers: { host: 'alpha.localhost:65535' } })).json.tenant, 'alpha:api');
});
