import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, freePort } from '@tenantry/core';
import { readMailCatcherConfig } from './config.js';
import { mailCredentials } from './credentials.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const KEY = 'main-test-key-0123456789';

test('reads and checks its configuration', () => {
  const config = readMailCatcherConfig({
    MAIL_CATCHER_KEY: KEY,
    MAIL_CATCHER_DATA_DIR: 'mail',
    MAIL_CATCHER_SMTP_PORT: '2525',
    MAIL_CATCHER_HTTP_PORT: '2580',
  });
  assert.equal(config.MAIL_CATCHER_SMTP_PORT, 2525);
  assert.equal(config.MAIL_CATCHER_HTTP_PORT, 2580);
  assert.equal(config.MAIL_CATCHER_DATA_DIR, join(process.cwd(), 'mail'));
  assert.equal(config.LOG_LEVEL, 'info');

  assert.throws(
    () => readMailCatcherConfig({}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['MAIL_CATCHER_KEY', 'MAIL_CATCHER_DATA_DIR', 'MAIL_CATCHER_SMTP_PORT', 'MAIL_CATCHER_HTTP_PORT'])
        assert.match(err.message, new RegExp(name));
      return true;
    },
  );
  assert.throws(
    () => readMailCatcherConfig({ MAIL_CATCHER_KEY: 'short', MAIL_CATCHER_DATA_DIR: 'mail', MAIL_CATCHER_SMTP_PORT: '2525', MAIL_CATCHER_HTTP_PORT: '2580' }),
    /MAIL_CATCHER_KEY: must be at least 16 characters long/,
  );
  assert.throws(
    () => readMailCatcherConfig({ MAIL_CATCHER_KEY: KEY, MAIL_CATCHER_DATA_DIR: 'mail', MAIL_CATCHER_SMTP_PORT: '2525', MAIL_CATCHER_HTTP_PORT: '2525' }),
    /MAIL_CATCHER_HTTP_PORT: must differ from MAIL_CATCHER_SMTP_PORT/,
  );
});

test('the program logs its ports, serves, and stops cleanly on SIGTERM', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-mail-main-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      MAIL_CATCHER_KEY: KEY,
      MAIL_CATCHER_DATA_DIR: dataDir,
      MAIL_CATCHER_SMTP_PORT: String(smtpPort),
      MAIL_CATCHER_HTTP_PORT: String(httpPort),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  let started: { smtpPort: number; httpPort: number; msg: string } | undefined;
  for await (const line of lines) {
    const entry = JSON.parse(line) as { smtpPort: number; httpPort: number; msg: string };
    if (entry.msg === 'mail catcher listening') {
      started = entry;
      break;
    }
  }
  assert.deepEqual([started?.smtpPort, started?.httpPort], [smtpPort, httpPort]);

  const { password } = mailCredentials(KEY, 'acme');
  const list = await fetch(`http://127.0.0.1:${httpPort}/mailboxes/acme/messages`, {
    headers: { authorization: `Basic ${Buffer.from(`acme:${password}`).toString('base64')}` },
  });
  assert.deepEqual([list.status, await list.json()], [200, { messages: [] }]);

  child.kill('SIGTERM');
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  assert.deepEqual([code, signal], [0, null]);
});

test('the program exits with 2 and a clear message on a bad configuration', async () => {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, MAIL_CATCHER_KEY: 'short' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 2);
  assert.match(stderr, /mail-catcher: invalid configuration/);
  assert.match(stderr, /MAIL_CATCHER_KEY: must be at least 16 characters long/);
});
