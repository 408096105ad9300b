import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { freePort, waitFor } from '@tenantry/core';
import { rawHttpExchange } from '@tenantry/core/test-support';

// The frontend program itself, reached directly (not through the gateway), with no backend behind it:
// a Host check comes before any rendering, so none is needed.
const MAIN = fileURLToPath(new URL('./bundle/main.cjs', import.meta.url));
let port: number;
let child: ReturnType<typeof spawn> | undefined;

after(() => {
  child?.kill('SIGKILL');
});

before(async () => {
  port = await freePort();
  const unreachable = 'http://127.0.0.1:9';
  child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      TENANT_ID: 'acme',
      REDIS_URL: 'redis://127.0.0.1:9',
      TENANT_URL: 'http://acme.localhost/',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'silent',
      USER_BACKEND_URL: unreachable,
      ADMIN_BACKEND_URL: unreachable,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Listening when /healthz answers; an exit ends the wait at once.
  const exited = new AbortController();
  child.once('exit', (code) => exited.abort(new Error(`the frontend exited with ${code}`)));
  await waitFor(async () => (await exchange('GET /healthz HTTP/1.1\r\nHost: acme.localhost\r\n')).startsWith('HTTP/1.1 200'), {
    what: 'the frontend to answer /healthz',
    timeoutMs: 20_000,
    intervalMs: 100,
    signal: exited.signal,
  });
});

const exchange = (head: string) => rawHttpExchange(port, head);

test('the frontend answers a malformed Host with a 400 that says what is wrong, not a 500', async () => {
  const cases: [string, RegExp][] = [
    ['Host: acme.localhost:x\r\n', /port \\"x\\"/],
    ['Host: acme.localhost:99999\r\n', /port \\"99999\\"/],
    ['Host: :@beta.localhost\r\n', /user information/],
    ['Host: [::1\r\n', /never closes/],
    ['Host: acme.localhost\r\nHost: beta.localhost\r\n', /more than one Host/],
  ];
  for (const [headers, message] of cases) {
    for (const path of ['/', '/projects', '/assets/x.js']) {
      const answer = await exchange(`GET ${path} HTTP/1.1\r\n${headers}`);
      assert.match(answer, /^HTTP\/1\.1 400 /, `${path} ${headers}`);
      assert.match(answer, /"code":"BAD_HOST"/, `${path} ${headers}`);
      assert.match(answer, message, `${path} ${headers}`);
    }
  }
});
