/** A test file whose setup fails stops what it started and fails at once, instead of keeping the runner alive. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startAll } from '@tenantry/core';
import { startTestRedis } from './test-redis.js';

const answers = async (url: string) => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
};

test('startAll stops the servers that started when another fails to start, and throws its failure', async () => {
  const starting = startTestRedis();
  await assert.rejects(startAll([starting, Promise.reject(new Error('the other server failed'))]), /the other server failed/);
  assert.equal(await answers((await starting).url), false, 'the Redis that did start was stopped');
});

test('a test file whose setup fails midway exits at once, failed, with nothing left running', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-failed-setup-'));
  try {
    const file = join(dir, 'failed-setup.test.mjs');
    writeFileSync(
      file,
      [
        "import { before, test } from 'node:test';",
        `import { startAll } from ${JSON.stringify(import.meta.resolve('@tenantry/core'))};`,
        `import { startTestRedis } from ${JSON.stringify(new URL('./test-redis.js', import.meta.url).href)};`,
        "before(async () => { await startAll([startTestRedis(), new Promise((_, reject) => setTimeout(() => reject(new Error('setup failed')), 200))]); });",
        "test('never runs', () => {});",
      ].join('\n'),
    );
    // Without NODE_TEST_CONTEXT, which would make it report to this runner instead of running on its own.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync(process.execPath, ['--test', file], { encoding: 'utf8', timeout: 60_000, env });
    assert.equal(run.signal, null, 'the file exited by itself');
    assert.notEqual(run.status, 0);
    assert.match(run.stdout, /setup failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
