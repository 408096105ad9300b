/** The tenants API's step log route, on a real Postgres catalog, with the pods' error mapping. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { isTenantryError, USAGE_MAX_BUCKETS } from '@tenantry/core';
import { TenantCatalog } from '../catalog/tenant-catalog.js';
import type { ProvisioningQueue } from '../provisioning/queue.js';
import { STEP_NAMES } from '../provisioning/steps.js';
import { startTestPostgres, type TestPostgres } from '../test-support/test-postgres.js';
import { tenantsApi } from './tenants-api.js';

let server: TestPostgres;
let catalog: TenantCatalog;
let app: FastifyInstance;

before(async () => {
  server = await startTestPostgres();
  catalog = new TenantCatalog(server.adminUrl);
  await catalog.migrate();
  app = Fastify();
  // As the pods' server maps errors: the catalogue's errors with their status, as JSON.
  app.setErrorHandler(async (err, _request, reply) => {
    if (!isTenantryError(err)) throw err;
    reply.code(err.status);
    return err.toJSON();
  });
  await app.register(tenantsApi, {
    catalog,
    queue: { enqueue: async () => undefined } as unknown as ProvisioningQueue,
    authorize: async () => undefined,
    address: { domain: 'localhost', port: 8080 },
    schema: { latestVersion: 1, migrate: async () => ({ version: 1, applied: [] }) },
    // A stand-in store that holds no events (the analytics package, which depends on this one, has the real
    // stores): the buckets of a series are made here, one per bucket of the window, empty ones included.
    analytics: { usage: async () => [], tenants: async () => [] },
    document: { serverUrl: 'http://master.localhost:8080', security: { bearer: { type: 'http', scheme: 'bearer' } } },
  });
  await app.ready();

  await catalog.create({ slug: 'logged', name: 'Logged', tier: 'trial' }, STEP_NAMES);
  await catalog.appendStepLog('logged', 'database', ['attempt 1 of 3', 'creating database tenant_logged', 'done in 12 ms']);
});

after(async () => {
  await app?.close();
  await catalog?.close();
  await server?.stop();
});

async function get(url: string): Promise<{ status: number; json: any }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, json: response.json() };
}

test("a step's log, oldest line first, with when each line was reported", async () => {
  const { status, json } = await get('/admin/api/tenants/logged/steps/database/log');
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(json).sort(), ['lines', 'slug', 'step', 'truncated']);
  assert.equal(json.slug, 'logged');
  assert.equal(json.step, 'database');
  assert.deepEqual(json.lines.map((l: { line: string }) => l.line), ['attempt 1 of 3', 'creating database tenant_logged', 'done in 12 ms']);
  assert.ok(json.lines.every((l: { at: string }) => !Number.isNaN(Date.parse(l.at))));
  assert.equal(json.truncated, false);

  const newest = await get('/admin/api/tenants/logged/steps/database/log?limit=1');
  assert.deepEqual(newest.json.lines.map((l: { line: string }) => l.line), ['done in 12 ms']);
  assert.equal(newest.json.truncated, true);

  const empty = await get('/admin/api/tenants/logged/steps/pod/log');
  assert.deepEqual(empty.json, { slug: 'logged', step: 'pod', lines: [], truncated: false });
});

test('an unknown tenant or step is a 404 that says what exists', async () => {
  const tenant = await get('/admin/api/tenants/nobody/steps/database/log');
  assert.equal(tenant.status, 404);
  assert.equal(tenant.json.error.code, 'TENANT_NOT_FOUND');
  assert.match(tenant.json.error.message, /tenant nobody does not exist/);

  const step = await get('/admin/api/tenants/logged/steps/dns/log');
  assert.equal(step.status, 404);
  assert.equal(step.json.error.code, 'STEP_NOT_FOUND');
  assert.match(step.json.error.message, /step "dns" does not exist; the steps are database, schema, storage, queue, mail, analytics, pod, route/);
});

test('a limit that is not a whole number from 1 to 5000 is a 400 that says so', async () => {
  for (const limit of ['0', '5001', 'abc', '1.5', '-3', '', '1e3']) {
    const { status, json } = await get(`/admin/api/tenants/logged/steps/database/log?limit=${limit}`);
    assert.equal(status, 400, limit);
    assert.equal(json.error.code, 'INVALID_QUERY', limit);
    assert.match(json.error.message, /limit must be a whole number from 1 to 5000/, limit);
  }
  assert.equal((await get('/admin/api/tenants/logged/steps/database/log?limit=5000')).status, 200);
});

test('a usage series of more than USAGE_MAX_BUCKETS buckets is a 400 that says the limit; the largest allowed one answers', async () => {
  assert.equal(USAGE_MAX_BUCKETS, 2_000);
  for (const query of ['hours=9600&bucketMinutes=1', 'hours=34&bucketMinutes=1', 'hours=9600&bucketMinutes=60', 'hours=2001']) {
    const { status, json } = await get(`/admin/api/tenants/logged/usage?${query}`);
    assert.equal(status, 400, query);
    assert.equal(json.error.code, 'INVALID_QUERY', query);
    assert.match(json.error.message, /at most 2000 buckets per answer \(hours × 60 \/ bucketMinutes\)/, query);
  }
  for (const [query, buckets] of [['hours=100&bucketMinutes=3', 2_000], ['hours=2000', 2_000], ['hours=9600&bucketMinutes=1440', 400]] as const) {
    const { status, json } = await get(`/admin/api/tenants/logged/usage?${query}`);
    assert.equal(status, 200, query);
    // A window that does not start on a bucket boundary touches one more bucket.
    assert.ok(json.series.length === buckets || json.series.length === buckets + 1, `${query}: ${json.series.length} buckets`);
  }
  // The platform's totals have no series: its whole window is one answer per tenant.
  assert.equal((await get('/admin/api/platform/usage?hours=9600')).status, 200);
  assert.equal((await get('/admin/api/platform/usage?hours=9601')).status, 400);
});

test('a NUL or another control character in a slug, a step or a name is a 400 that says so, before the catalog is asked', async () => {
  for (const [method, url] of [
    ['GET', '/admin/api/tenants/%00'], ['GET', '/admin/api/tenants/a%01b'], ['DELETE', '/admin/api/tenants/%00'],
    ['GET', '/admin/api/tenants/%00/usage'], ['GET', '/admin/api/tenants/%00/steps/database/log'], ['GET', '/admin/api/tenants/logged/steps/%00/log'],
  ] as const) {
    const response = await app.inject({ method, url });
    assert.equal(response.statusCode, 400, `${method} ${url}: ${response.body}`);
    assert.equal(response.json().error.code, 'INVALID_PARAMETER');
    assert.match(response.json().error.message, /control characters/);
  }
  const created = await app.inject({ method: 'POST', url: '/admin/api/tenants', payload: { slug: 'nulname', tier: 'trial', name: 'N\u0000' } });
  assert.equal(created.statusCode, 400, created.body);
  assert.match(created.json().error.message, /name must not contain control characters/);
  assert.equal(await catalog.get('nulname'), undefined);
});
