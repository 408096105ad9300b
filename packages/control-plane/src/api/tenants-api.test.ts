/** The tenants API's step log route, on a real Postgres catalog, with the pods' error mapping. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { isTenantryError, TenantryError, USAGE_MAX_BUCKETS } from '@tenantry/core';
import { TenantCatalog } from '../catalog/tenant-catalog.js';
import type { ProvisioningQueue } from '../provisioning/queue.js';
import { STEP_NAMES } from '../provisioning/steps.js';
import { startTestPostgres, type TestPostgres } from '../test-support/test-postgres.js';
import { tenantResource } from './tenant-resource.js';
import { TENANTS_API_DOCUMENT_PATH, tenantsApi } from './tenants-api.js';

let server: TestPostgres;
let catalog: TenantCatalog;
let app: FastifyInstance;
/** What the API queued, as `action slug`. */
const enqueued: string[] = [];
/** Every route the tenants API registers, as `METHOD /path/{param}`. */
const registered: string[] = [];

before(async () => {
  server = await startTestPostgres();
  catalog = new TenantCatalog(server.adminUrl);
  await catalog.migrate();
  // As the pods' server validates: unknown fields are refused, not dropped.
  app = Fastify({ ajv: { customOptions: { removeAdditional: false } } });
  // As the pods' server maps errors: the catalogue's errors with their status, as JSON.
  app.setErrorHandler(async (err: FastifyError, _request, reply) => {
    if (isTenantryError(err)) {
      reply.code(err.status);
      return err.toJSON();
    }
    // Fastify's own 4xx (a body that is not JSON, too large...) keep their status, in the error body.
    if (err.statusCode && err.statusCode < 500) {
      reply.code(err.statusCode);
      return { error: { code: err.code, message: err.message } };
    }
    throw err;
  });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') registered.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
  });
  await app.register(tenantsApi, {
    catalog,
    queue: { enqueue: async (slug: string, action: string) => void enqueued.push(`${action} ${slug}`) } as unknown as ProvisioningQueue,
    // Lets every request through but one with a wrong token, so the tests can show what needs none.
    authorize: async (request) => {
      if (request.headers.authorization === 'Bearer wrong') throw new TenantryError('UNAUTHORIZED', 401, 'wrong admin token');
    },
    address: { domain: 'localhost', port: 8080 },
    schema: { latestVersion: 1, migrate: async () => ({ version: 1, applied: [] }) },
    // A stand-in store that holds no events (the analytics package, which depends on this one, has the real
    // stores): the buckets of a series are made here, one per bucket of the window, empty ones included.
    analytics: { usage: async () => [], tenants: async () => [] },
    document: { serverUrl: 'http://master.localhost:8080', security: { bearer: { type: 'http', scheme: 'bearer' } } },
  });
  await app.ready();

  await catalog.create({ slug: 'logged', name: 'Logged', tier: 'trial' }, STEP_NAMES);
  await catalog.logs.append('logged', 'database', ['attempt 1 of 3', 'creating database tenant_logged', 'done in 12 ms']);
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
  assert.deepEqual(
    json.lines.map((l: { line: string }) => l.line),
    ['attempt 1 of 3', 'creating database tenant_logged', 'done in 12 ms'],
  );
  assert.ok(json.lines.every((l: { at: string }) => !Number.isNaN(Date.parse(l.at))));
  assert.equal(json.truncated, false);

  const newest = await get('/admin/api/tenants/logged/steps/database/log?limit=1');
  assert.deepEqual(
    newest.json.lines.map((l: { line: string }) => l.line),
    ['done in 12 ms'],
  );
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
  for (const [query, buckets] of [
    ['hours=100&bucketMinutes=3', 2_000],
    ['hours=2000', 2_000],
    ['hours=9600&bucketMinutes=1440', 400],
  ] as const) {
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
    ['GET', '/admin/api/tenants/%00'],
    ['GET', '/admin/api/tenants/a%01b'],
    ['DELETE', '/admin/api/tenants/%00'],
    ['GET', '/admin/api/tenants/%00/usage'],
    ['GET', '/admin/api/tenants/%00/steps/database/log'],
    ['GET', '/admin/api/tenants/logged/steps/%00/log'],
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

test('the tenants API has its own OpenAPI 3 document, served without credentials, listing every route with every answer it can give', async () => {
  const answer = await app.inject({ method: 'GET', url: TENANTS_API_DOCUMENT_PATH, headers: { authorization: 'Bearer wrong' } });
  assert.equal(answer.statusCode, 200, answer.body);
  const doc = answer.json();
  assert.match(doc.openapi, /^3\./);
  assert.equal(
    (await app.inject({ method: 'GET', url: '/admin/api/tenants', headers: { authorization: 'Bearer wrong' } })).statusCode,
    401,
    'the routes themselves are guarded',
  );
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  assert.deepEqual(documented.sort(), registered.filter((r) => r !== `GET ${TENANTS_API_DOCUMENT_PATH}`).sort());
  assert.ok(documented.length >= 9, documented.join(', '));
  assert.deepEqual(Object.keys(doc.components.securitySchemes), ['bearer']);
  for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, any>; parameters?: any[] }>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      const where = `${method} ${path}`;
      assert.ok(
        Object.keys(operation.responses).some((status) => status.startsWith('2')),
        `${where} documents its success`,
      );
      const errors = ['400', '401', '403', '503', ...(method === 'get' ? [] : ['413', '415'])];
      for (const status of errors)
        assert.ok(operation.responses[status]?.content?.['application/json']?.schema, `${where} documents ${status} with the error body`);
      for (const param of path.match(/\{\w+\}/g) ?? [])
        assert.ok(
          operation.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === param),
          `${where} documents ${param}`,
        );
    }
  }
  const create = doc.paths['/admin/api/tenants'].post;
  assert.deepEqual(Object.keys(create.responses).sort(), ['200', '202', '400', '401', '403', '409', '413', '415', '503']);
  const body = create.requestBody.content['application/json'].schema;
  assert.deepEqual(body.required, ['slug', 'tier']);
  assert.equal(body.additionalProperties, false);
  assert.ok(body.properties.slug.not.enum.includes('master'), 'the reserved slugs are in the schema');
  const limit = doc.paths['/admin/api/tenants/{slug}/steps/{step}/log'].get.parameters.find((p: { name: string }) => p.name === 'limit');
  assert.equal(limit.required, false);
  assert.match(limit.schema.pattern, /5000/);
  assert.ok(doc.paths['/admin/api/tenants/events'].get.responses['200'].content['text/event-stream']);
  assert.ok(doc.paths['/admin/api/fleet/migrations'].post.responses['200'].content['application/x-ndjson']);
});

test('a refused input is a 400 with its error code and a message that names the field and its rule, never a 5xx', async () => {
  const cases: [string, string, unknown, string, RegExp][] = [
    ['POST', '/admin/api/tenants', { slug: 'Bad_Slug', tier: 'trial' }, 'INVALID_SLUG', /slug must be a DNS label/],
    ['POST', '/admin/api/tenants', { slug: 'ab', tier: 'trial' }, 'INVALID_SLUG', /3 to 63 characters/],
    ['POST', '/admin/api/tenants', { slug: 'www', tier: 'trial' }, 'INVALID_SLUG', /reserved/],
    ['POST', '/admin/api/tenants', { tier: 'trial' }, 'INVALID_SLUG', /slug is required/],
    ['POST', '/admin/api/tenants', { slug: 'okay', tier: 'gold' }, 'INVALID_TIER', /tier must be one of: production, trial/],
    ['POST', '/admin/api/tenants', { slug: 'okay' }, 'INVALID_TIER', /tier is required/],
    ['POST', '/admin/api/tenants', { slug: 'okay', tier: 'trial', color: 'red' }, 'INVALID_BODY', /unknown field "color"; the fields are slug, tier and name/],
    [
      'POST',
      '/admin/api/tenants',
      { slug: 'okay', tier: 'trial', name: '   ' },
      'INVALID_BODY',
      /name must not contain control characters, and must be 1 to 100 characters, not only spaces/,
    ],
    ['POST', '/admin/api/tenants', { slug: 'okay', tier: 'trial', name: 'x'.repeat(101) }, 'INVALID_BODY', /name must not contain/],
    ['POST', '/admin/api/tenants', [1, 2], 'INVALID_BODY', /the body must be a JSON object such as \{"slug":"acme","tier":"trial"\}/],
    // Labelled as JSON, it is Fastify's JSON parser's error; labelled otherwise, the tenants API's.
    ['POST', '/admin/api/tenants', '{"slug": "okay",', 'FST_ERR_CTP_INVALID_JSON_BODY', /not valid JSON/],
    ['GET', '/admin/api/tenants/logged/usage?hours=0', undefined, 'INVALID_QUERY', /hours must be a whole number from 1 to 9600/],
    ['GET', '/admin/api/tenants/logged/usage?bucketMinutes=1441', undefined, 'INVALID_QUERY', /bucketMinutes must be a whole number from 1 to 1440/],
    ['GET', '/admin/api/tenants/logged/usage?days=3', undefined, 'INVALID_QUERY', /unknown query parameter "days"/],
    ['GET', '/admin/api/platform/usage?bucketMinutes=5', undefined, 'INVALID_QUERY', /unknown query parameter "bucketMinutes"/],
    ['GET', '/admin/api/tenants/logged/steps/database/log?limit=%00', undefined, 'INVALID_QUERY', /limit must be a whole number/],
  ];
  for (const [method, url, body, code, message] of cases) {
    const payload = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
    const answer = await app.inject({
      method: method as 'GET' | 'POST',
      url,
      payload,
      headers: payload === undefined ? {} : { 'content-type': 'application/json' },
    });
    const where = `${method} ${url} ${payload ?? ''}`;
    assert.equal(answer.statusCode, 400, `${where}: ${answer.body}`);
    assert.deepEqual(Object.keys(answer.json().error).sort(), ['code', 'message'], where);
    assert.equal(answer.json().error.code, code, where);
    assert.match(answer.json().error.message, message, where);
  }
  assert.equal(await catalog.get('okay'), undefined, 'nothing was made');
  const created = await app.inject({ method: 'POST', url: '/admin/api/tenants', payload: { slug: 'named', tier: 'trial', name: '  Named Inc  ' } });
  assert.equal(created.statusCode, 202, created.body);
  assert.equal(created.json().name, 'Named Inc', 'the name is trimmed');
  assert.deepEqual(Object.keys(created.json()).sort(), [
    'conditions',
    'createdAt',
    'error',
    'generation',
    'health',
    'host',
    'name',
    'observedGeneration',
    'readyAt',
    'schemaError',
    'schemaVersion',
    'slug',
    'spec',
    'status',
    'steps',
    'tier',
    'updatedAt',
    'url',
  ]);
  // The answer's schema keeps every field of the resource (a field it did not list would be dropped).
  const resource = tenantResource((await catalog.get('named'))!, { domain: 'localhost', port: 8080 });
  assert.deepEqual((await get('/admin/api/tenants/named')).json, JSON.parse(JSON.stringify(resource)));
});

test("PATCH changes a ready tenant's name (its generation counted, the reconciler queued); a tier or state change is a 409 that says why; bad input a 400", async () => {
  const patch = async (slug: string, body: unknown) => {
    const answer = await app.inject({
      method: 'PATCH',
      url: `/admin/api/tenants/${slug}`,
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    return { status: answer.statusCode, json: answer.json() };
  };
  assert.equal((await patch('nobody', { name: 'X' })).status, 404);
  await catalog.create({ slug: 'patched', name: 'Patched', tier: 'trial' }, STEP_NAMES);
  const early = await patch('patched', { name: 'Too Early' });
  assert.equal(early.status, 409);
  assert.equal(early.json.error.code, 'TENANT_NOT_READY');
  assert.match(early.json.error.message, /tenant patched is pending; its spec can change once it is ready or frozen/);
  await catalog.status.update('patched', { phase: { to: 'ready' } });
  enqueued.length = 0;

  const renamed = await patch('patched', { name: '  Patched Inc.  ' });
  assert.equal(renamed.status, 200);
  assert.deepEqual(renamed.json.spec, { name: 'Patched Inc.', tier: 'trial', state: 'active' }, 'trimmed, as at creation');
  assert.equal(renamed.json.name, 'Patched Inc.');
  assert.equal(renamed.json.generation, 2);
  assert.deepEqual(enqueued, ['reconcile patched']);
  const again = await patch('patched', { name: 'Patched Inc.', tier: 'trial', state: 'active' });
  assert.equal(again.status, 200);
  assert.equal(again.json.generation, 2, 'nothing changed, nothing counted');
  assert.deepEqual(enqueued, ['reconcile patched']);

  const refusals: [unknown, number, string, RegExp][] = [
    [{ tier: 'production' }, 409, 'TIER_CHANGE_UNSUPPORTED', /cannot move to the production tier yet/],
    [{}, 400, 'INVALID_BODY', /the body must have at least one of name, tier and state/],
    [{ name: 'X', color: 'red' }, 400, 'INVALID_BODY', /unknown field "color"; the fields are name, tier and state/],
    [{ name: '   ' }, 400, 'INVALID_BODY', /name must not contain control characters, and must be 1 to 100 characters/],
    [{ name: 'two\nlines' }, 400, 'INVALID_BODY', /name must not contain control characters/],
    [{ state: 'asleep' }, 400, 'INVALID_BODY', /state must be one of: active, frozen/],
    [{ tier: 'gold' }, 400, 'INVALID_TIER', /tier must be one of: production, trial/],
    ['Patched', 400, 'INVALID_BODY', /the body must be a JSON object such as \{"name":"Acme Inc."\}/],
  ];
  for (const [body, status, code, message] of refusals) {
    const answer = await patch('patched', body);
    assert.equal(answer.status, status, JSON.stringify(body));
    assert.equal(answer.json.error.code, code, JSON.stringify(body));
    assert.match(answer.json.error.message, message, JSON.stringify(body));
  }
  const record = (await catalog.get('patched'))!;
  assert.deepEqual([record.spec, record.generation], [{ name: 'Patched Inc.', tier: 'trial', state: 'active' }, 2], 'no refused change was kept');

  // The state: frozen, then active again, each a change of the spec the reconciler is queued for.
  enqueued.length = 0;
  const frozen = await patch('patched', { state: 'frozen' });
  assert.equal(frozen.status, 200);
  assert.deepEqual([frozen.json.spec.state, frozen.json.generation], ['frozen', 3]);
  await catalog.status.update('patched', { phase: { to: 'frozen' } });
  const woken = await patch('patched', { state: 'active', name: 'Patched Again' });
  assert.equal(woken.status, 200, 'a frozen tenant takes spec changes');
  assert.deepEqual([woken.json.spec, woken.json.generation], [{ name: 'Patched Again', tier: 'trial', state: 'active' }, 4]);
  assert.deepEqual(enqueued, ['reconcile patched', 'reconcile patched']);
});
