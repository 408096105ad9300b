/** `tenantry tenants logs`, run as the real command against a stand-in of the master's API. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const LINES = [
  { at: '2030-01-02T03:04:05.000Z', line: 'attempt 1 of 3' },
  { at: '2030-01-02T03:04:06.000Z', line: 'helm upgrade --install pod-acme' },
  { at: '2030-01-02T03:04:07.000Z', line: 'done in 2000 ms' },
];

let server: Server;
let url: string;
const requests: IncomingMessage[] = [];

before(async () => {
  server = createServer((request, response) => {
    requests.push(request);
    const { pathname, searchParams } = new URL(request.url!, 'http://x');
    const match = /^\/admin\/api\/tenants\/([^/]+)\/steps\/([^/]+)\/log$/.exec(pathname);
    response.setHeader('content-type', 'application/json');
    if (!match || match[1] !== 'acme') {
      response.statusCode = 404;
      response.end(JSON.stringify({ error: { code: 'TENANT_NOT_FOUND', message: `tenant ${match?.[1]} does not exist` } }));
      return;
    }
    const limit = Number(searchParams.get('limit') ?? 5000);
    const lines = match[2] === 'pod' ? LINES.slice(-limit) : [];
    response.end(JSON.stringify({ slug: 'acme', step: match[2], lines, truncated: lines.length < (match[2] === 'pod' ? LINES.length : 0) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
});

function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--url', url, '--token', 'secret-token'], { env: { ...process.env, TENANTRY_DOMAIN: 'localhost' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test("tenants logs prints a step's lines, oldest first, from the master's API", async () => {
  const all = await cli('tenants', 'logs', 'acme', 'pod');
  assert.equal(all.status, 0, all.stderr);
  assert.equal(all.stdout, `${LINES.map((l) => `${l.at}  ${l.line}`).join('\n')}\n`);
  assert.equal(all.stderr, '');
  const request = requests.at(-1)!;
  assert.equal(request.url, '/admin/api/tenants/acme/steps/pod/log');
  assert.equal(request.headers.host, 'master.localhost');
  assert.equal(request.headers.authorization, 'Bearer secret-token');

  const newest = await cli('tenants', 'logs', 'acme', 'pod', '--limit', '1');
  assert.equal(newest.status, 0, newest.stderr);
  assert.equal(requests.at(-1)!.url, '/admin/api/tenants/acme/steps/pod/log?limit=1');
  assert.equal(newest.stdout, '2030-01-02T03:04:07.000Z  done in 2000 ms\n');
  assert.match(newest.stderr, /older lines left out/);

  const json = await cli('tenants', 'logs', 'acme', 'pod', '--json');
  assert.deepEqual(JSON.parse(json.stdout), { slug: 'acme', step: 'pod', lines: LINES, truncated: false });

  const empty = await cli('tenants', 'logs', 'acme', 'route');
  assert.equal(empty.status, 0);
  assert.match(empty.stdout, /step route of tenant acme has logged nothing yet/);
});

test("tenants logs says what went wrong: the API's refusal, or how to call it", async () => {
  const missing = await cli('tenants', 'logs', 'nobody', 'pod');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /tenant nobody does not exist/);

  const before = requests.length;
  for (const [args, message] of [
    [['tenants', 'logs', 'acme'], /needs a tenant slug and a step/],
    [['tenants', 'logs', 'acme', 'pod', 'extra'], /unexpected argument "extra"/],
    [['tenants', 'logs', 'acme', 'pod', '--limit', 'many'], /--limit must be a whole number/],
    [['tenants', 'get', 'acme', '--limit', '5'], /--limit is for tenants logs/],
  ] as const) {
    const result = await cli(...args);
    assert.equal(result.status, 2, args.join(' '));
    assert.match(result.stderr, message, args.join(' '));
  }
  assert.equal(requests.length, before, 'bad usage asks nothing of the platform');
});
