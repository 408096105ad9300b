/** Kafka started for real from its Maven Central jars: as a child, and detached with a pid file; ports in use are refused. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '@tenantry/core';
import { detachedStatus, startDetached, startServer, stopDetached } from './servers.js';

const home = mkdtempSync(join(tmpdir(), 'tenantry-servers-'));
after(() => rmSync(home, { recursive: true, force: true }));

const answers = (address: string) =>
  new Promise<boolean>((resolve) => {
    const [host, port] = address.split(':');
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

test('a port already in use is refused before anything starts, naming the port', async () => {
  const taken = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => taken.once('listening', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    await assert.rejects(startServer('kafka', { home: join(home, 'busy'), port, secondPort: await freePort() }), new RegExp(`port ${port} is already in use`));
  } finally {
    taken.close();
  }
});

test('detached: started with a pid file, found running again, stopped', async () => {
  const dir = join(home, 'detached');
  const options = { home: dir, port: await freePort(), secondPort: await freePort(), heapMb: 256 };
  const started = await startDetached('kafka', options);
  try {
    assert.equal(started.alreadyRunning, false);
    assert.ok(await answers(started.address));
    assert.equal(detachedStatus('kafka', dir)?.pid, started.pid);
    const again = await startDetached('kafka', options);
    assert.deepEqual([again.alreadyRunning, again.pid], [true, started.pid]);
  } finally {
    assert.equal(await stopDetached('kafka', dir), true);
  }
  assert.equal(detachedStatus('kafka', dir), undefined);
  assert.equal(await answers(started.address), false);
  assert.equal(await stopDetached('kafka', dir), false, 'stopping again is a no-op');
});
