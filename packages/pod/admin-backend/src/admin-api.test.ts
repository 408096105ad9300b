/**
 * The admin API of a real tenant (users, roles, settings, jobs, usage, mail, migrations) and, on the
 * master, the operator's: sign-in by token or master admin, live tenant events, fleet migrations.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { waitFor } from '@tenantry/core';
import { PlatformProcess, type HttpAnswer } from '@tenantry/local-host/test-support';

let platform: PlatformProcess;
let admin: string;
let member: string;
let memberId: string;

before(async () => {
  platform = await PlatformProcess.create('23000-23999');
  await platform.start();
  assert.equal((await platform.api('POST', '/admin/api/tenants', { slug: 'acme', tier: 'trial' })).status, 202);
  await platform.waitStatus('acme', 'ready');
  admin = (await acme('/api/auth/signup', { body: { email: 'boss@acme.test', password: 'a long enough password', name: 'Boss' } })).json.token;
  const signedUp = await acme('/api/auth/signup', { body: { email: 'max@acme.test', password: 'a long enough password', name: 'Max' } });
  member = signedUp.json.token;
  memberId = signedUp.json.user.id;
});
after(() => platform.dispose());

function acme(path: string, options: { method?: string; body?: unknown; token?: string } = {}): Promise<HttpAnswer> {
  return platform.http(`acme.localhost:${platform.port}`, path, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

test('only tenant admins get in', async () => {
  for (const path of ['/admin/api/users', '/admin/api/settings', '/admin/api/jobs', '/admin/api/usage', '/admin/api/mail', '/admin/api/migrations']) {
    assert.equal((await acme(path)).status, 401, path);
    const forbidden = await acme(path, { token: member });
    assert.equal(forbidden.status, 403, path);
    assert.equal(forbidden.json.error.code, 'FORBIDDEN');
    assert.equal((await acme(path, { token: admin })).status, 200, path);
  }
});

test('users and roles: promote, disable (its sessions end), and never lose the last admin', async () => {
  const users = await acme('/admin/api/users', { token: admin });
  assert.deepEqual(
    users.json.users.map((u: { email: string; role: string }) => [u.email, u.role]),
    [
      ['boss@acme.test', 'admin'],
      ['max@acme.test', 'member'],
    ],
  );
  const roles = await acme('/admin/api/roles', { token: admin });
  assert.deepEqual(
    roles.json.roles.map((r: { name: string }) => r.name),
    ['admin', 'member'],
  );
  const created = await acme('/admin/api/users', { token: admin, body: { email: 'new@acme.test', name: 'New', password: 'a long enough password' } });
  assert.equal(created.status, 201);
  assert.equal(
    (await acme('/admin/api/users', { token: admin, body: { email: 'NEW@acme.test', name: 'Again', password: 'a long enough password' } })).status,
    409,
  );
  for (const name of ['Two\nlines', 'Bell\u0007']) {
    assert.equal(
      (await acme('/admin/api/users', { token: admin, body: { email: 'ctl@acme.test', name, password: 'a long enough password' } })).status,
      400,
      JSON.stringify(name),
    );
  }
  assert.equal((await acme('/admin/api/settings', { method: 'PATCH', token: admin, body: { displayName: 'Acme\r\nBcc: x' } })).status, 400);
  assert.equal((await acme(`/admin/api/users/${memberId}`, { method: 'PATCH', token: admin, body: { role: 'owner' } })).status, 400);

  const boss = users.json.users[0].id as string;
  const alone = await acme(`/admin/api/users/${boss}`, { method: 'PATCH', token: admin, body: { role: 'member' } });
  assert.equal(alone.status, 409);
  assert.equal(alone.json.error.code, 'LAST_ADMIN');

  assert.equal((await acme(`/admin/api/users/${created.json.id}`, { method: 'PATCH', token: admin, body: { role: 'admin' } })).json.role, 'admin');
  const login = await acme('/api/auth/login', { body: { email: 'new@acme.test', password: 'a long enough password' } });
  assert.equal((await acme('/admin/api/usage', { token: login.json.token })).status, 200, 'the promoted user is an admin at once');
  const disabled = await acme(`/admin/api/users/${created.json.id}`, { method: 'PATCH', token: admin, body: { disabled: true } });
  assert.equal(disabled.json.disabled, true);
  assert.equal((await acme('/api/auth/me', { token: login.json.token })).status, 401, 'a disabled user is signed out');
});

test('settings and branding reach the tenant configuration; bad values are refused', async () => {
  const changed = await acme('/admin/api/settings', {
    method: 'PATCH',
    token: admin,
    body: { displayName: 'Acme Corp', primaryColor: '#ff6600', features: { projects: true, files: true, signup: false } },
  });
  assert.equal(changed.status, 200, changed.text);
  const config = await acme('/api/user/config');
  assert.equal(config.json.name, 'Acme Corp');
  assert.equal(config.json.branding.primaryColor, '#ff6600');
  assert.equal(config.json.features.signup, false);
  const closed = await acme('/api/auth/signup', { body: { email: 'late@acme.test', password: 'a long enough password', name: 'Late' } });
  assert.equal(closed.status, 403);
  assert.equal(closed.json.error.code, 'SIGNUP_CLOSED');
  const files = await acme('/admin/api/settings', { method: 'PATCH', token: admin, body: { features: { projects: true, files: false, signup: false } } });
  assert.equal(files.json.features.files, false);
  await waitFor(async () => (await acme('/api/files', { token: member })).status === 403, { what: 'files to be turned off for users', timeoutMs: 10_000 });
  assert.equal((await acme('/api/files', { token: member })).json.error.code, 'FEATURE_DISABLED');
  assert.equal((await acme('/api/projects', { token: member })).status, 200);
  await acme('/admin/api/settings', { method: 'PATCH', token: admin, body: { features: { projects: true, files: true, signup: false } } });
  for (const body of [{ primaryColor: 'orange' }, { logoUrl: 'javascript:alert(1)' }, { features: { projects: 'yes' } }, {}]) {
    assert.equal((await acme('/admin/api/settings', { method: 'PATCH', token: admin, body })).status, 400, JSON.stringify(body));
  }
});

test('jobs, mail and usage: the welcome mails were really sent and can be read', async () => {
  const jobs = await waitFor(
    async () => {
      const answer = await acme('/admin/api/jobs?state=completed', { token: admin });
      const mail = answer.json.queues.find((q: { name: string }) => q.name === 'mail');
      return mail.counts.completed >= 2 ? answer.json : undefined;
    },
    { what: 'the welcome mails to be sent', timeoutMs: 15_000 },
  );
  const mailQueue = jobs.queues.find((q: { name: string }) => q.name === 'mail');
  assert.ok(mailQueue.jobs.every((j: { name: string; state: string }) => j.name === 'welcome' && j.state === 'completed'));
  const maintenance = (await acme('/admin/api/jobs', { token: admin })).json.queues.find((q: { name: string }) => q.name === 'maintenance');
  assert.equal(maintenance.counts.delayed, 1, 'the cleanup cron is scheduled');
  const inbox = await acme('/admin/api/mail', { token: admin });
  const welcome = inbox.json.messages.find((m: { to: string[] }) => m.to.includes('max@acme.test'));
  assert.equal(welcome.subject, 'Welcome to Acme');
  const message = await acme(`/admin/api/mail/${welcome.id}`, { token: admin });
  assert.match(message.json.text, /your account at Acme is ready/);
  assert.doesNotMatch(message.json.text, /Max/, 'nothing the sign-up typed is mailed');
  assert.equal((await acme('/admin/api/mail/..%2F..%2Fetc', { token: admin })).status, 400);
  const usage = await acme('/admin/api/usage', { token: admin });
  assert.equal(usage.json.users, 3);
  assert.equal(usage.json.jobs.mail.completed >= 2, true);
});

test('migrations: recorded, current, and run again on request as a no-op', async () => {
  const state = await acme('/admin/api/migrations', { token: admin });
  assert.equal(state.json.version, state.json.latest);
  assert.deepEqual(
    state.json.applied.map((m: { version: number }) => m.version),
    [1, 2, 3, 4],
  );
  const run = await acme('/admin/api/migrations/run', { method: 'POST', token: admin });
  assert.deepEqual(run.json, { version: state.json.latest, applied: [] });
});

/** Every admin API operation of a tenant's admin backend, as `method path`. */
const ADMIN_OPERATIONS = [
  'get /admin/api/status',
  'get /admin/api/roles',
  'get /admin/api/users',
  'post /admin/api/users',
  'patch /admin/api/users/{id}',
  'delete /admin/api/users/{id}',
  'get /admin/api/settings',
  'patch /admin/api/settings',
  'get /admin/api/jobs',
  'post /admin/api/jobs/{queue}/{id}/retry',
  'get /admin/api/usage',
  'get /admin/api/mail',
  'get /admin/api/mail/{id}',
  'get /admin/api/migrations',
  'post /admin/api/migrations/run',
];
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, any>; security?: unknown[] }>>;
  components: { securitySchemes: Record<string, unknown> };
};
const operationsOf = (doc: OpenApi) =>
  Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
    .sort();

test("the admin API's own OpenAPI 3 document lists every route with every answer it can give", async () => {
  const answer = await acme('/admin/api/openapi.json');
  assert.equal(answer.status, 200, 'served without credentials');
  const doc = answer.json as OpenApi;
  assert.match(doc.openapi, /^3\./);
  assert.deepEqual(operationsOf(doc), [...ADMIN_OPERATIONS].sort());
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['bearer', 'session']);
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const where = `${method} ${path}`;
      assert.ok(
        Object.keys(operation.responses).some((status) => status.startsWith('2')),
        `${where} documents its success`,
      );
      const guarded = path !== '/admin/api/status';
      const errors = ['400', '403', '503', ...(guarded ? ['401'] : []), ...(method === 'get' ? [] : ['413', '415'])];
      for (const status of errors)
        assert.ok(operation.responses[status]?.content?.['application/json']?.schema, `${where} documents ${status} with the error body`);
    }
  }
  assert.deepEqual(Object.keys(doc.paths['/admin/api/users/{id}']!.patch!.responses).sort(), ['200', '400', '401', '403', '404', '409', '413', '415', '503']);
  assert.deepEqual(doc.paths['/admin/api/status']!.get!.security, [], 'the probe needs no credentials');
  // The master's admin API adds the operator's sign-in; its tenants API has a document of its own.
  const master = (await platform.http('master.localhost', '/admin/api/openapi.json', { token: null })).json as OpenApi;
  assert.deepEqual(operationsOf(master), [...ADMIN_OPERATIONS, 'post /admin/api/operator/session', 'delete /admin/api/operator/session'].sort());
  assert.deepEqual(Object.keys(master.components.securitySchemes).sort(), ['bearer', 'operator', 'session']);
  const tenants = await platform.http('master.localhost', '/admin/api/platform/openapi.json', { token: null });
  assert.equal(tenants.status, 200);
  assert.ok(operationsOf(tenants.json).includes('post /admin/api/tenants'));
  assert.ok(!operationsOf(tenants.json).includes('get /admin/api/users'), 'each API has its own document');
  assert.equal((await acme('/admin/api/platform/openapi.json')).status, 404, "a tenant's admin backend has no tenants API");
});

test('a bad admin API input is a 4xx with an error body that says what to fix, never a 5xx', async () => {
  const cases: [string, string, unknown, RegExp][] = [
    ['GET', '/admin/api/jobs?limit=0', undefined, /querystring\/limit must be >= 1/],
    ['GET', '/admin/api/jobs?state=lost', undefined, /querystring\/state/],
    ['GET', '/admin/api/jobs?since=today', undefined, /must NOT have additional properties/],
    ['POST', '/admin/api/jobs/mail/%00/retry', undefined, /params\/id must match pattern/],
    ['POST', '/admin/api/jobs/postbox/1/retry', undefined, /params\/queue/],
    ['PATCH', '/admin/api/users/not-a-uuid', { role: 'admin' }, /params\/id must match/],
    ['DELETE', '/admin/api/users/%00', undefined, /params\/id/],
    ['POST', '/admin/api/users', { email: 'x@acme.test', name: 'X', password: 'short' }, /body\/password must NOT have fewer than 10 characters/],
    ['POST', '/admin/api/users', { email: 'x@acme.test', name: 'X', password: 'a long enough password', admin: true }, /must NOT have additional properties/],
    ['PATCH', '/admin/api/settings', { primaryColor: 'red' }, /body\/primaryColor must match pattern/],
    ['GET', '/admin/api/mail/UPPER', undefined, /params\/id must match pattern/],
  ];
  for (const [method, path, body, message] of cases) {
    const answer = await acme(path, { method, token: admin, ...(body === undefined ? {} : { body }) });
    assert.equal(answer.status, 400, `${method} ${path}: ${answer.text}`);
    assert.match(answer.json.error.message, message, `${method} ${path}`);
    assert.equal(typeof answer.json.error.code, 'string');
  }
  const noBody = await platform.http('master.localhost', '/admin/api/operator/session', { token: null, method: 'POST', body: JSON.stringify({}) });
  assert.equal(noBody.status, 400, noBody.text);
  assert.match(noBody.json.error.message, /must have required property 'token'/);
  const jobs = await acme('/admin/api/jobs', { token: admin });
  assert.equal(jobs.status, 200, 'limit has a default, so it may be left out');
});

test('the master: operator by admin token or master admin, never by a tenant admin', async () => {
  assert.equal((await platform.api('GET', '/admin/api/tenants', undefined, null)).status, 401);
  assert.equal(
    (await platform.http('master.localhost', '/admin/api/tenants', { token: null, headers: { authorization: `Bearer ${admin}` } })).status,
    401,
    "a tenant admin's token is not the master's",
  );
  // An operator creates a master admin user, who may then operate too.
  const created = await platform.api('POST', '/admin/api/users', {
    email: 'ops@tenantry.test',
    name: 'Ops',
    role: 'admin',
    password: 'a long enough password',
  });
  assert.equal(created.status, 201, created.text);
  const login = await platform.http('master.localhost', '/api/auth/login', {
    token: null,
    method: 'POST',
    body: JSON.stringify({ email: 'ops@tenantry.test', password: 'a long enough password' }),
  });
  const list = await platform.http('master.localhost', '/admin/api/tenants', { token: null, headers: { authorization: `Bearer ${login.json.token}` } });
  assert.equal(list.status, 200);
  const acmeRecord = list.json.tenants.find((t: { slug: string }) => t.slug === 'acme');
  assert.equal(acmeRecord.schemaVersion, 4);
  await waitFor(async () => (await platform.api('GET', '/admin/api/tenants/acme')).json.health?.ok === true, {
    what: 'acme to be probed healthy',
    timeoutMs: 15_000,
  });
  // Sign-up on the master is for nobody: its accounts come from operators.
  const signup = await platform.http('master.localhost', '/api/auth/signup', {
    token: null,
    method: 'POST',
    body: JSON.stringify({ email: 'x@evil.test', password: 'a long enough password', name: 'X' }),
  });
  assert.equal(signup.status, 403);
  // The dashboard's sign-in: the token in an HttpOnly cookie.
  const session = await platform.http('master.localhost', '/admin/api/operator/session', {
    token: null,
    method: 'POST',
    body: JSON.stringify({ token: platform.token }),
  });
  assert.equal(session.status, 204);
  assert.match(String(session.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  const wrong = await platform.http('master.localhost', '/admin/api/operator/session', {
    token: null,
    method: 'POST',
    body: JSON.stringify({ token: 'guess' }),
  });
  assert.equal(wrong.status, 401);
});

test('the operator cookie is a server-side session: after sign-out the captured cookie is refused', async () => {
  const origin = `http://master.localhost:${platform.port}`;
  const session = await platform.http('master.localhost', '/admin/api/operator/session', {
    token: null,
    method: 'POST',
    body: JSON.stringify({ token: platform.token }),
  });
  assert.equal(session.status, 204, session.text);
  const cookie = String(session.headers['set-cookie']).split(';')[0]!;
  assert.doesNotMatch(cookie, new RegExp(platform.token), 'the cookie never holds the admin token');
  assert.equal((await platform.http('master.localhost', '/admin/api/tenants', { token: null, headers: { cookie } })).status, 200);
  // A change from a sibling tenant's page (same site) or over another scheme is refused.
  for (const foreign of [`http://acme.localhost:${platform.port}`, `https://master.localhost:${platform.port}`]) {
    const planted = await platform.http('master.localhost', '/admin/api/users', {
      token: null,
      method: 'POST',
      headers: { cookie, origin: foreign },
      body: JSON.stringify({ email: 'planted@tenantry.test', name: 'P', role: 'admin', password: 'a long enough password' }),
    });
    assert.equal(planted.status, 403, `${foreign}: ${planted.text}`);
  }
  const out = await platform.http('master.localhost', '/admin/api/operator/session', { token: null, method: 'DELETE', headers: { cookie, origin } });
  assert.equal(out.status, 204, out.text);
  const after = await platform.http('master.localhost', '/admin/api/tenants', { token: null, headers: { cookie } });
  assert.equal(after.status, 401, 'the cookie captured before sign-out no longer works');
});

test('live tenant events: provisioning shows step by step over server-sent events', async () => {
  const events: { tenants: { slug: string; status: string; steps: { name: string; state: string }[] }[] }[] = [];
  const stream = request({
    host: '127.0.0.1',
    port: platform.port,
    path: '/admin/api/tenants/events',
    headers: { host: 'master.localhost', authorization: `Bearer ${platform.token}` },
  });
  const done = new Promise<void>((resolve, reject) => {
    stream.on('response', (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith('data: ')) events.push(JSON.parse(frame.slice(6)));
          if (events.at(-1)?.tenants.find((t) => t.slug === 'live')?.status === 'ready') resolve();
        }
      });
    });
    stream.on('error', reject);
  });
  stream.end();
  await waitFor(() => events.length > 0, { what: 'the first snapshot', timeoutMs: 10_000 });
  assert.equal((await platform.api('POST', '/admin/api/tenants', { slug: 'live', tier: 'trial' })).status, 202);
  await Promise.race([done, waitFor(() => false, { what: 'live to be ready on the stream', timeoutMs: 60_000 }).catch((e) => Promise.reject(e))]);
  stream.destroy();
  const snapshots = events.flatMap((e) => e.tenants.filter((t) => t.slug === 'live'));
  const doneCounts = new Set(snapshots.map((t) => t.steps.filter((s) => s.state === 'done').length));
  assert.ok(doneCounts.size >= 3, `the stream showed the steps getting done one after another (done counts seen: ${[...doneCounts].join(', ')})`);
  assert.ok(
    snapshots.some((t) => t.steps.some((s) => s.state === 'running')),
    'a running step was shown',
  );
});

test('tenantry migrate --all: every tenant brought to the latest version; a failing tenant reported, the rest done', async () => {
  const ok = platform.cli('migrate', '--all', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout);
  assert.deepEqual({ tenants: summary.tenants, migrated: summary.migrated, failed: summary.failed }, { tenants: 2, migrated: 2, failed: 0 });

  // Break one tenant's database login (as a real outage would), and migrate again.
  const live = platform.podEnv('live');
  const superuser = new pg.Client({
    connectionString: Object.assign(new URL(live.DATABASE_URL!), { username: 'postgres', password: readSuperuserPassword() })
      .toString()
      .replace(/\/[^/]*$/, '/postgres'),
  });
  await superuser.connect();
  const login = new URL(live.DATABASE_URL!).username;
  await superuser.query(`ALTER ROLE ${login} NOLOGIN`);
  try {
    const broken = platform.cli('migrate', '--all', '--json');
    assert.equal(broken.status, 1);
    const result = JSON.parse(broken.stdout);
    assert.equal(result.migrated, 1);
    const failed = result.results.find((r: { tenant: string }) => r.tenant === 'live');
    assert.equal(failed.ok, false);
    assert.equal(failed.attempts, 3, 'retried before it was reported');
    assert.match(failed.error, /not permitted to log in/);
    assert.match((await platform.api('GET', '/admin/api/tenants/live')).json.schemaError, /not permitted to log in/);
    const human = platform.cli('migrate', '--all');
    assert.equal(human.status, 1);
    assert.match(human.stdout, /acme\s+version 4/);
    assert.match(human.stderr, /1 tenant\(s\) failed to migrate: live/);
  } finally {
    await superuser.query(`ALTER ROLE ${login} LOGIN`);
    await superuser.end();
  }
  assert.equal(platform.cli('migrate', '--all').status, 0);
  assert.equal((await platform.api('GET', '/admin/api/tenants/live')).json.schemaError, null);
  assert.equal(platform.cli('migrate').status, 2, 'migrate without --all is a usage error');
});

function readSuperuserPassword(): string {
  return readFileSync(join(platform.home, 'secrets', 'postgres-superuser'), 'utf8').trim();
}
