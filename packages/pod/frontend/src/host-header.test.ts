import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { freePort } from '@tenantry/core';

// The frontend program itself, reached directly (not through the gateway), with no backend behind it:
// a Host check comes before any rendering, so none is needed.
const MAIN = fileURLToPath(new URL('./bundle/main.mjs', import.meta.url));
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
  // Listening when /healthz answers; give up after a deadline.
  const deadline = Date.now() + 20_000;
  while (!(await exchange('GET /healthz HTTP/1.1\r\nHost: acme.localhost\r\n').then((a) => a.startsWith('HTTP/1.1 200'), () => false))) {
    if (Date.now() > deadline) throw new Error('the frontend did not answer /healthz within 20 s');
    if (child.exitCode !== null) throw new Error(`the frontend exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

function exchange(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(`${head}Connection: close\r\n\r\n`);
  });
}

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
