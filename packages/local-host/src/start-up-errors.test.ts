/** `tenantry up` refuses to start, with one line that says what to do, when something it needs is wrong. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, freePort } from './test-support/platform-process.js';

const home = mkdtempSync(join(tmpdir(), 'tenantry-start-'));
after(() => rmSync(home, { recursive: true, force: true }));

function up(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [CLI, 'up'], { env: { ...process.env, TENANTRY_HOME: home, ...env }, encoding: 'utf8', timeout: 60_000 });
}

test('no redis-server on PATH: one line saying how to install it, and nothing started', async () => {
  const bin = join(home, 'bin-without-redis');
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, 'sh'))) symlinkSync('/bin/sh', join(bin, 'sh'));
  const result = up({ PATH: bin, PORT: String(await freePort()) });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /redis-server was not found on PATH: install it \(Debian\/Ubuntu: sudo apt-get install redis-server/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.ok(!existsSync(join(home, 'postgres')), 'no Postgres was set up');
  assert.ok(!existsSync(join(home, 'platform.pid')));
});

test('a bad variable: exit code 2 and a message naming it', () => {
  const result = up({ PORT: 'eighty' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /PORT: must be a TCP port/);
});

test('a port in use: a message naming PORT', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const result = up({ PORT: String(port) });
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`port ${port} is in use; stop what uses it or set PORT`));
  } finally {
    server.close();
  }
});

test(
  'as root, TENANTRY_HOME inside a folder other users cannot enter (like /root, mode 0700): one line saying what to do, nothing started',
  { skip: process.getuid?.() === 0 ? false : 'needs root: only then do Postgres and tenants run as other users' },
  async () => {
    chmodSync(home, 0o711);
    const closed = join(home, 'like-root');
    mkdirSync(join(closed, 'checkout'), { recursive: true });
    chmodSync(closed, 0o700);
    const tenantryHome = join(closed, 'checkout', '.tenantry');
    const result = spawnSync(process.execPath, [CLI, 'up'], {
      env: { ...process.env, TENANTRY_HOME: tenantryHome, PORT: String(await freePort()) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`cannot enter ${closed} \\(mode 700\\).*chmod o\\+x ${closed}`));
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
    assert.ok(!existsSync(tenantryHome), 'nothing was set up');
  },
);
