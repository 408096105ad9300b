/** The gateway records each tenant's last real request, on both of its paths; probes of the health paths are not activity. */
import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { createLogger, waitFor } from '@tenantry/core';
import { TenantActivity } from './activity.js';
import { Gateway } from './gateway.js';
import { RouteTable } from './route-table.js';
import { startOkUpstream } from './test-support.js';

let upstream: Server;
let gateway: Gateway;
const activity = new TenantActivity();

before(async () => {
  const started = await startOkUpstream();
  upstream = started.server;
  const routes = new RouteTable();
  routes.set({ host: 'busy.localhost', tenant: 'busy', state: 'ready', upstreams: [{ prefix: '/', port: started.port }] });
  gateway = new Gateway({ routes, log: createLogger('gateway-test', 'silent'), activity });
  await gateway.listen(0, '127.0.0.1');
});

after(async () => {
  await gateway?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

function send(path: string, options: { method?: string; chunked?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: gateway.port, path, method: options.method ?? 'GET', headers: { host: 'busy.localhost' }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    if (options.chunked) req.write('part');
    req.end();
  });
}

test("probes of the health paths are not activity; real requests on either path are, each moving the tenant's last request time", async () => {
  assert.equal(await send('/admin/api/status'), 200);
  assert.equal(await send('/healthz?full=1'), 200);
  assert.equal(activity.lastRequestAt('busy'), undefined, 'probes keep nobody awake');

  const before = Date.now();
  assert.equal(await send('/api/projects'), 200);
  const fast = activity.lastRequestAt('busy');
  assert.ok(fast !== undefined && fast >= before);

  // A chunked upload is served by the complete path.
  await waitFor(() => Date.now() > fast, { what: 'the clock to move on', timeoutMs: 1_000, intervalMs: 1 });
  assert.equal(await send('/api/files', { method: 'POST', chunked: true }), 200);
  assert.ok(activity.lastRequestAt('busy')! > fast, 'the complete path records too');
  assert.deepEqual(Object.keys(activity.snapshot().tenants), ['busy']);
});
