/**
 * A request for a tenant's program that does not serve yet (started after the others, or restarting) is held
 * by the real gateway and served once the program does, body and all; past the bound it is a 503 that says so.
 * Which programs are starting comes from a stand-in for the supervisor (named as such); the upstream is real.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { createLogger, freePort } from '@tenantry/core';
import type { ProgramReadiness } from './decision.js';
import { Gateway } from './gateway.js';
import { RouteTable } from './route-table.js';

/** Stand-in for the supervisor: the ports whose program is starting, each released by the test. */
class StartingPrograms implements ProgramReadiness {
  readonly starting = new Map<number, { promise: Promise<void>; resolve: () => void }>();

  start(port: number): void {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.starting.set(port, { promise, resolve });
  }

  serves(port: number): void {
    this.starting.get(port)?.resolve();
    this.starting.delete(port);
  }

  whenServing(port: number): Promise<void> | undefined {
    return this.starting.get(port)?.promise;
  }
}

const programs = new StartingPrograms();
const routes = new RouteTable();
const servers: Server[] = [];
let gateway: Gateway;

before(async () => {
  gateway = new Gateway({ routes, log: createLogger('gateway-test', 'silent'), programs, wake: { wake: async () => undefined, timeoutMs: 600 } });
  await gateway.listen(0, '127.0.0.1');
});

after(async () => {
  await gateway?.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A real program, listening only when told. */
function program(): Server {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(JSON.stringify({ url: req.url, body: Buffer.concat(chunks).toString() })));
  });
  servers.push(server);
  return server;
}

function send(path: string, body?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: gateway.port, path, method: body ? 'POST' : 'GET', headers: { host: 'late.localhost' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('requests for a program still starting are held, then all served once it serves', async () => {
  const [api, admin] = [await freePort(), await freePort()];
  const apiServer = program();
  await new Promise<void>((resolve) => apiServer.listen(api, '127.0.0.1', resolve));
  routes.set({
    host: 'late.localhost',
    tenant: 'late',
    state: 'ready',
    upstreams: [
      { prefix: '/api', port: api },
      { prefix: '/admin/api', port: admin },
    ],
  });
  programs.start(admin);
  let answered = 0;
  const held = Array.from({ length: 10 }, (_, i) => send(`/admin/api/items/${i}`, i % 2 ? `{"n":${i}}` : undefined).finally(() => (answered += 1)));
  // The program that serves answers meanwhile; the held requests wait.
  const other = await send('/api/user/config');
  assert.equal(other.status, 200);
  assert.equal(answered, 0);

  const adminServer = program();
  await new Promise<void>((resolve) => adminServer.listen(admin, '127.0.0.1', resolve));
  programs.serves(admin);
  const answers = await Promise.all(held);
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(10).fill(200),
  );
  assert.deepEqual(
    answers.map((a) => JSON.parse(a.text)),
    Array.from({ length: 10 }, (_, i) => ({ url: `/admin/api/items/${i}`, body: i % 2 ? `{"n":${i}}` : '' })),
  );
});

test('a program that does not serve within the bound: 503 with Retry-After that says it is starting, never a hang', async () => {
  const port = await freePort();
  routes.set({ host: 'late.localhost', tenant: 'late', state: 'ready', upstreams: [{ prefix: '/', port }] });
  programs.start(port);
  const started = Date.now();
  const answer = await send('/anything');
  assert.equal(answer.status, 503);
  assert.equal(answer.headers['retry-after'], '1');
  assert.equal(JSON.parse(answer.text).error.code, 'PROGRAM_STARTING');
  assert.ok(Date.now() - started >= 500, 'held up to the bound');
  programs.serves(port);
});
