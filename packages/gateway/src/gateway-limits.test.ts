import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { createLogger } from '@tenantry/core';
import { Gateway } from './gateway.js';
import { RouteTable } from './route-table.js';
import { startOkUpstream } from './test-support.js';

// Small limits so that each deadline passes in a fraction of a second.
const BODY_IDLE_MS = 300;
const BODY_TOTAL_MS = 900;
const HALF_CLOSED_MS = 300;
const MAX_PER_CLIENT = 2;

let upstream: Server;
let gateway: Gateway;
let port: number;

after(async () => {
  await gateway?.close();
  upstream?.close();
});

before(async () => {
  const started = await startOkUpstream();
  upstream = started.server;
  const routes = new RouteTable();
  routes.set({ host: 'alpha.localhost', tenant: 'alpha', state: 'ready', upstreams: [{ prefix: '/', port: started.port }] });
  gateway = new Gateway({
    routes,
    log: createLogger('test', 'silent'),
    bodyIdleTimeoutMs: BODY_IDLE_MS,
    bodyTimeoutMs: BODY_TOTAL_MS,
    halfClosedTimeoutMs: HALF_CLOSED_MS,
    maxConnectionsPerClient: MAX_PER_CLIENT,
  });
  await gateway.listen(0, '127.0.0.1');
  port = gateway.port;
});

interface Client {
  socket: Socket;
  /** Everything received so far. */
  text: () => string;
  /** Resolves when the socket closes; rejects after `ms`. */
  closed: (ms: number) => Promise<void>;
  /** Resolves once the received text matches; rejects after `ms`. */
  received: (pattern: RegExp, ms: number) => Promise<string>;
}

async function open(options: { localAddress?: string; allowHalfOpen?: boolean } = {}): Promise<Client> {
  const socket = connect({ port, host: '127.0.0.1', ...options });
  let text = '';
  let isClosed = false;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
    wake();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    isClosed = true;
    wake();
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const until = (ok: () => boolean, ms: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what} not within ${ms} ms; received: ${JSON.stringify(text)}`));
      }, ms);
      const check = () => {
        if (!ok()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  return {
    socket,
    text: () => text,
    closed: (ms) => until(() => isClosed, ms, 'close'),
    received: async (pattern, ms) => {
      await until(() => pattern.test(text), ms, String(pattern));
      return text;
    },
  };
}

/** Resolves when the gateway holds no client connection; rejects after `ms`. */
async function gatewayIdle(ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (gateway.openConnections > 0) {
    if (Date.now() > deadline) throw new Error(`the gateway still holds ${gateway.openConnections} connection(s) after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const FAST_POST = 'POST /upload HTTP/1.1\r\nHost: alpha.localhost\r\nContent-Length: 100\r\n\r\n';
// Chunked uploads are not plain enough for the fast path: they are handed over to the complete path.
const HANDED_OVER_POST = 'POST /upload HTTP/1.1\r\nHost: alpha.localhost\r\nTransfer-Encoding: chunked\r\n\r\n';
const byte = (path: 'fast' | 'complete') => (path === 'fast' ? 'x' : '1\r\nx\r\n');

for (const path of ['fast', 'complete'] as const) {
  test(`${path} path: a body that stalls is answered 408 and closed after the idle timeout`, async () => {
    await gatewayIdle(2_000);
    const client = await open();
    client.socket.write((path === 'fast' ? FAST_POST : HANDED_OVER_POST) + byte(path));
    await client.received(/^HTTP\/1\.1 408 [^]*"code":"BODY_TIMEOUT"/, BODY_IDLE_MS + 5_000);
    await client.closed(5_000);
  });

  test(`${path} path: a body that trickles in (a byte more often than the idle timeout) is stopped at the body deadline`, async () => {
    await gatewayIdle(2_000);
    const client = await open();
    const started = Date.now();
    client.socket.write(path === 'fast' ? FAST_POST : HANDED_OVER_POST);
    // The client's own pace: one byte every third of the idle timeout, for ever.
    const trickle = setInterval(() => client.socket.writable && client.socket.write(byte(path)), BODY_IDLE_MS / 3);
    try {
      await client.received(/^HTTP\/1\.1 408 /, BODY_TOTAL_MS + 5_000);
      assert.ok(Date.now() - started >= BODY_TOTAL_MS - 50, 'not stopped by the idle timeout');
      await client.closed(5_000);
    } finally {
      clearInterval(trickle);
    }
  });

  test(`${path} path: a client that never closes its side after Connection: close is dropped after the grace`, async () => {
    await gatewayIdle(2_000);
    const client = await open({ allowHalfOpen: true });
    const request =
      path === 'fast' ? 'GET / HTTP/1.1\r\nHost: alpha.localhost\r\nConnection: close\r\n\r\n' : 'GET / HTTP/1.0\r\nHost: alpha.localhost\r\n\r\n';
    const ended = new Promise<void>((resolve) => client.socket.once('end', resolve));
    client.socket.write(request);
    await client.received(/^HTTP\/1\.[01] 200 [^]*ok$/, 5_000);
    await ended;
    // The client keeps its half open; the gateway must not wait for it.
    await gatewayIdle(HALF_CLOSED_MS + 5_000);
    client.socket.destroy();
  });
}

test('connections per client address are capped; another address is unaffected', async () => {
  await gatewayIdle(2_000);
  const clients: Client[] = [];
  try {
    const ask = async (client: Client) => {
      const seen = client.text().length;
      client.socket.write('GET / HTTP/1.1\r\nHost: alpha.localhost\r\n\r\n');
      await client.received(new RegExp(`^[^]{${seen}}HTTP/1\\.1 200 [^]*ok$`), 5_000);
    };
    for (let i = 0; i < MAX_PER_CLIENT; i += 1) {
      const client = await open({ localAddress: '127.0.0.1' });
      clients.push(client);
      await ask(client);
    }
    const over = await open({ localAddress: '127.0.0.1' });
    clients.push(over);
    await over.received(/^HTTP\/1\.1 429 [^]*"code":"TOO_MANY_CONNECTIONS"/, 5_000);
    await over.closed(5_000);

    const other = await open({ localAddress: '127.0.0.2' });
    clients.push(other);
    await ask(other);

    // Below the cap again once one of A's connections has closed.
    clients[0]!.socket.destroy();
    await clients[0]!.closed(5_000);
    const deadline = Date.now() + 5_000;
    while (gateway.openConnections > MAX_PER_CLIENT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const again = await open({ localAddress: '127.0.0.1' });
    clients.push(again);
    await ask(again);
  } finally {
    for (const client of clients) client.socket.destroy();
  }
});
