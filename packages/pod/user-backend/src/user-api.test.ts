/**
 * The user API of real tenants (tenant pods on the local platform: real Postgres, Redis, SMTP
 * catcher and gateway), including what one tenant's credentials and ids are worth on another.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { waitFor } from '@tenantry/core';
import { PlatformProcess, type HttpAnswer } from '@tenantry/local-host/test-support';

let platform: PlatformProcess;

before(async () => {
  platform = await PlatformProcess.create('22000-22999');
  await platform.start();
  for (const slug of ['alpha', 'bravo']) assert.equal((await platform.api('POST', '/admin/api/tenants', { slug, tier: 'trial' })).status, 202);
  await Promise.all(['alpha', 'bravo'].map((slug) => platform.waitStatus(slug, 'ready')));
});
after(() => platform.dispose());

type Call = { method?: string; body?: unknown; token?: string; headers?: Record<string, string>; raw?: string | Buffer };
function call(slug: string, path: string, options: Call = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return platform.http(`${slug}.localhost:${platform.port}`, path, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/** A sign-in sent from another loopback address, as a client elsewhere would (the gateway forwards its peer address). */
function signInFrom(address: string, slug: string, email: string, password: string): Promise<{ status: number; code?: string }> {
  const body = JSON.stringify({ email, password });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: platform.port,
        localAddress: address,
        path: '/api/auth/login',
        method: 'POST',
        agent: false,
        // A client's own X-Forwarded-For is dropped by the gateway: it cannot pose as another address.
        headers: { host: `${slug}.localhost:${platform.port}`, 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.3' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, code: JSON.parse(Buffer.concat(chunks).toString('utf8'))?.error?.code }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const accounts = new Map<string, string>();
async function signUp(slug: string, email: string, name = 'Someone'): Promise<string> {
  const answer = await call(slug, '/api/auth/signup', { body: { email, password: 'a long enough password', name } });
  assert.equal(answer.status, 201, answer.text);
  accounts.set(`${slug}/${email}`, answer.json.token);
  return answer.json.token as string;
}

test('the tenant configuration names the tenant and its features, without signing in', async () => {
  const config = await call('alpha', '/api/user/config');
  assert.equal(config.status, 200);
  assert.equal(config.json.slug, 'alpha');
  assert.equal(config.json.name, 'Alpha');
  assert.deepEqual(config.json.features, { projects: true, files: true, signup: true });
});

test('sign-up: the first account is the admin, then members; bad input is a 400 that says what to fix', async () => {
  const adminToken = await signUp('alpha', 'ada@alpha.test', 'Ada');
  assert.equal((await call('alpha', '/api/auth/me', { token: adminToken })).json.role, 'admin');
  const memberToken = await signUp('alpha', 'max@alpha.test', 'Max');
  assert.equal((await call('alpha', '/api/auth/me', { token: memberToken })).json.role, 'member');

  const duplicate = await call('alpha', '/api/auth/signup', { body: { email: 'ADA@alpha.test', password: 'a long enough password', name: 'Other' } });
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.json.error.code, 'EMAIL_TAKEN');
  const short = await call('alpha', '/api/auth/signup', { body: { email: 'x@alpha.test', password: 'short', name: 'X' } });
  assert.equal(short.status, 400);
  assert.match(short.json.error.message, /password/);
  const unknown = await call('alpha', '/api/auth/signup', { body: { email: 'y@alpha.test', password: 'a long enough password', name: 'Y', role: 'admin' } });
  assert.equal(unknown.status, 400);
  const notJson = await call('alpha', '/api/auth/signup', { raw: '{"email":', headers: { 'content-type': 'application/json' } });
  assert.equal(notJson.status, 400);
  assert.doesNotMatch(notJson.text, /at \w+ \(/, 'no stack trace');
});

test('sign-in, the session cookie, and sign-out revoking the token', async () => {
  await signUp('alpha', 'lee@alpha.test', 'Lee');
  const wrong = await call('alpha', '/api/auth/login', { body: { email: 'lee@alpha.test', password: 'not the password' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error.code, 'BAD_CREDENTIALS');
  const login = await call('alpha', '/api/auth/login', { body: { email: 'LEE@alpha.test', password: 'a long enough password' } });
  assert.equal(login.status, 200);
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  assert.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Lax/);
  assert.equal((await call('alpha', '/api/auth/me', { headers: { cookie } })).json.email, 'lee@alpha.test');
  assert.equal((await call('alpha', '/api/auth/logout', { method: 'POST', token: login.json.token })).status, 204);
  assert.equal((await call('alpha', '/api/auth/me', { token: login.json.token })).status, 401);
  assert.equal((await call('alpha', '/api/projects')).status, 401);
});

test('ten wrong passwords lock the account for a while (429 with Retry-After); other accounts are not affected', async () => {
  await signUp('alpha', 'target@alpha.test', 'Target');
  for (let i = 0; i < 10; i++)
    assert.equal((await call('alpha', '/api/auth/login', { body: { email: 'target@alpha.test', password: `guess ${i}` } })).status, 401);
  const locked = await call('alpha', '/api/auth/login', { body: { email: 'TARGET@alpha.test', password: 'a long enough password' } });
  assert.equal(locked.status, 429, 'even the right password waits until the window ends');
  assert.equal(locked.json.error.code, 'TOO_MANY_ATTEMPTS');
  assert.ok(Number(locked.headers['retry-after']) > 0);
  assert.equal((await call('alpha', '/api/auth/login', { body: { email: 'ada@alpha.test', password: 'a long enough password' } })).status, 200);
});

test('wrong passwords from one address never lock the account for its owner elsewhere; that address is throttled', async () => {
  await signUp('alpha', 'victim@alpha.test', 'Victim');
  const attacker = '127.0.0.2';
  const owner = '127.0.0.3';
  for (let i = 0; i < 12; i++) {
    const guess = await signInFrom(attacker, 'alpha', 'victim@alpha.test', `guess ${i}`);
    assert.equal(guess.status, i < 10 ? 401 : 429, `guess ${i}`);
  }
  assert.equal(
    (await signInFrom(attacker, 'alpha', 'victim@alpha.test', 'a long enough password')).status,
    429,
    'the attacker waits, even with the right password',
  );
  assert.equal((await signInFrom(owner, 'alpha', 'victim@alpha.test', 'a long enough password')).status, 200, 'the owner signs in from elsewhere');
  // An address spraying many accounts (known or not) is stopped too.
  const sprayer = '127.0.0.4';
  let refused: { status: number; code?: string } | undefined;
  for (let i = 0; i < 60 && !refused; i++) {
    const answer = await signInFrom(sprayer, 'alpha', `nobody-${i}@alpha.test`, 'a guess');
    if (answer.status === 429) refused = answer;
    else assert.equal(answer.status, 401);
  }
  assert.equal(refused?.code, 'TOO_MANY_ATTEMPTS', 'the spraying address is throttled');
  assert.equal((await signInFrom(sprayer, 'alpha', 'victim@alpha.test', 'a long enough password')).status, 429);
  assert.equal((await signInFrom(owner, 'alpha', 'victim@alpha.test', 'a long enough password')).status, 200);
});

test('names are one line: control characters and newlines are refused at sign-up', async () => {
  for (const name of ['Eve\nSubject: you won', 'Eve\r\nBcc: x@evil.test', 'Tab\there', 'Nul\u0000', 'Line\u2028break']) {
    const answer = await call('alpha', '/api/auth/signup', { body: { email: 'eve@alpha.test', password: 'a long enough password', name } });
    assert.equal(answer.status, 400, JSON.stringify(name));
  }
  assert.equal(
    (await call('alpha', '/api/auth/signup', { body: { email: 'eve@alpha.test', password: 'a long enough password', name: "Ève O'Brien-Łukasz 李" } })).status,
    201,
  );
});

test('a cookie-authenticated change from another origin is refused', async () => {
  const login = await call('alpha', '/api/auth/login', { body: { email: 'ada@alpha.test', password: 'a long enough password' } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const foreign = await call('alpha', '/api/projects', { body: { name: 'Planted' }, headers: { cookie, origin: `http://bravo.localhost:${platform.port}` } });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.json.error.code, 'CROSS_SITE_REQUEST');
  // The same host over another scheme or port is another origin.
  for (const origin of [`https://alpha.localhost:${platform.port}`, `http://alpha.localhost:${platform.port + 1}`, 'null']) {
    assert.equal((await call('alpha', '/api/projects', { body: { name: 'Planted' }, headers: { cookie, origin } })).status, 403, origin);
  }
  assert.doesNotMatch(String(login.headers['set-cookie']), /Secure/, 'the tenant is served over http here');
  const same = await call('alpha', '/api/projects', {
    body: { name: 'From the page' },
    headers: { cookie, origin: `http://alpha.localhost:${platform.port}` },
  });
  assert.equal(same.status, 201);
});

test('projects and tasks: create, list with pagination and filters, get, update, delete', async () => {
  const token = accounts.get('alpha/ada@alpha.test')!;
  const made = [];
  for (let i = 1; i <= 5; i++)
    made.push((await call('alpha', '/api/projects', { token, body: { name: `Project ${i}`, ...(i === 5 ? { status: 'archived' } : {}) } })).json);
  const first = await call('alpha', '/api/projects?limit=2&q=project', { token });
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(
    first.json.items.map((p: { name: string }) => p.name),
    ['Project 5', 'Project 4'],
  );
  const second = await call('alpha', `/api/projects?limit=2&q=project&cursor=${first.json.nextCursor}`, { token });
  assert.deepEqual(
    second.json.items.map((p: { name: string }) => p.name),
    ['Project 3', 'Project 2'],
  );
  const archived = await call('alpha', '/api/projects?status=archived', { token });
  assert.deepEqual(
    archived.json.items.map((p: { name: string }) => p.name),
    ['Project 5'],
  );
  assert.equal((await call('alpha', '/api/projects?cursor=bogus', { token })).status, 400);
  assert.equal((await call('alpha', '/api/projects?limit=1000', { token })).status, 400);

  const project = made[0];
  const task = await call('alpha', `/api/projects/${project.id}/tasks`, { token, body: { title: 'Write the plan', dueDate: '2026-12-24' } });
  assert.equal(task.status, 201);
  assert.equal(task.json.dueDate, '2026-12-24');
  assert.equal((await call('alpha', `/api/projects/${project.id}/tasks`, { token, body: { title: '' } })).status, 400);
  assert.equal((await call('alpha', `/api/projects/${project.id}/tasks`, { token, body: { title: 'x', status: 'someday' } })).status, 400);
  const moved = await call('alpha', `/api/tasks/${task.json.id}`, { method: 'PATCH', token, body: { status: 'done' } });
  assert.equal(moved.json.status, 'done');
  const done = await call('alpha', `/api/projects/${project.id}/tasks?status=done`, { token });
  assert.equal(done.json.items.length, 1);
  const renamed = await call('alpha', `/api/projects/${project.id}`, { method: 'PATCH', token, body: { name: 'Renamed' } });
  assert.equal(renamed.json.name, 'Renamed');
  assert.equal((await call('alpha', `/api/projects/${project.id}`, { method: 'PATCH', token, body: {} })).status, 400);
  assert.equal((await call('alpha', '/api/projects/not-a-uuid', { token })).status, 400);
  assert.equal((await call('alpha', `/api/projects/${project.id}`, { method: 'DELETE', token })).status, 204);
  assert.equal((await call('alpha', `/api/projects/${project.id}`, { token })).status, 404);
  assert.equal((await call('alpha', `/api/tasks/${task.json.id}`, { token })).status, 404, 'its tasks went with it');
});

test('files: upload, list, download; size, type and content checked; nothing kept from a refused upload', async () => {
  const token = accounts.get('alpha/ada@alpha.test')!;
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
  const up = await call('alpha', '/api/files?name=logo.png', { token, raw: png, headers: { 'content-type': 'image/png' } });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.size, png.length);
  const text = await call('alpha', '/api/files?name=notes.txt', { token, raw: 'plain notes', headers: { 'content-type': 'text/plain' } });
  assert.equal(text.status, 201);
  const download = await call('alpha', `/api/files/${text.json.id}`, { token });
  assert.equal(download.text, 'plain notes');
  assert.match(String(download.headers['content-disposition']), /attachment; filename="notes.txt"/);
  assert.equal(download.headers['x-content-type-options'], 'nosniff');

  const fake = await call('alpha', '/api/files?name=fake.png', { token, raw: 'not a png at all', headers: { 'content-type': 'image/png' } });
  assert.equal(fake.status, 415);
  assert.equal(fake.json.error.code, 'FILE_CONTENT_MISMATCH');
  const html = await call('alpha', '/api/files?name=page.html', { token, raw: '<script>', headers: { 'content-type': 'text/html' } });
  assert.equal(html.status, 415);
  const big = await call('alpha', '/api/files?name=big.txt', { token, raw: 'x'.repeat(10 * 1024 * 1024 + 1), headers: { 'content-type': 'text/plain' } });
  assert.equal(big.status, 413);
  assert.equal((await call('alpha', '/api/files?name=', { token, raw: 'x', headers: { 'content-type': 'text/plain' } })).status, 400);
  const list = await call('alpha', '/api/files', { token });
  assert.deepEqual(list.json.items.map((f: { name: string }) => f.name).sort(), ['logo.png', 'notes.txt']);
});

test('password reset by mail: the link works once, and signs out every session', async () => {
  const oldToken = await signUp('alpha', 'rita@alpha.test', 'Rita');
  const known = await call('alpha', '/api/auth/password-reset', { body: { email: 'rita@alpha.test' } });
  const unknown = await call('alpha', '/api/auth/password-reset', { body: { email: 'nobody@alpha.test' } });
  assert.equal(known.status, 202);
  assert.deepEqual([unknown.status, unknown.text], [known.status, known.text], 'no hint whether the account exists');
  const admin = accounts.get('alpha/ada@alpha.test')!;
  // The request does no per-account work: both became the same job, the account is looked up later.
  const jobs = await call('alpha', '/admin/api/jobs?limit=200', { token: admin });
  assert.equal(jobs.status, 200, jobs.text);
  const requests = jobs.text.match(/"name":"password-reset-request"/g) ?? [];
  assert.ok(requests.length >= 2, jobs.text);
  assert.doesNotMatch(jobs.text, /"name":"password-reset"/, 'no reset link was made while answering');
  const mail = await waitFor(
    async () => {
      const inbox = await call('alpha', '/admin/api/mail', { token: admin });
      return inbox.json.messages.find((m: { subject: string; to: string[] }) => m.subject.startsWith('Reset') && m.to.includes('rita@alpha.test'));
    },
    { what: 'the reset mail in the catcher', timeoutMs: 15_000 },
  );
  const body = await call('alpha', `/admin/api/mail/${mail.id}`, { token: admin });
  const token = new URL(body.json.text.match(/http\S+reset-password\S+/)[0]).searchParams.get('token')!;
  const confirm = await call('alpha', '/api/auth/password-reset/confirm', { body: { token, password: 'a brand new password' } });
  assert.equal(confirm.status, 204);
  assert.equal((await call('alpha', '/api/auth/password-reset/confirm', { body: { token, password: 'another new password' } })).status, 400, 'used once');
  assert.equal((await call('alpha', '/api/auth/me', { token: oldToken })).status, 401);
  assert.equal((await call('alpha', '/api/auth/login', { body: { email: 'rita@alpha.test', password: 'a brand new password' } })).status, 200);
});

test("tenant A's token, record ids and file ids are refused on tenant B", async () => {
  const alphaToken = accounts.get('alpha/ada@alpha.test')!;
  const project = await call('alpha', '/api/projects', { token: alphaToken, body: { name: 'Secret plan' } });
  const task = await call('alpha', `/api/projects/${project.json.id}/tasks`, { token: alphaToken, body: { title: 'Secret task' } });
  const file = await call('alpha', '/api/files?name=secret.txt', { token: alphaToken, raw: 'alpha only', headers: { 'content-type': 'text/plain' } });

  for (const path of ['/api/auth/me', '/api/projects', `/api/projects/${project.json.id}`, `/api/files/${file.json.id}`, '/admin/api/users']) {
    const answer = await call('bravo', path, { token: alphaToken });
    assert.equal(answer.status, 401, `${path} with alpha's token on bravo`);
    assert.equal(answer.json.error.code, 'INVALID_TOKEN');
  }
  // The same email is a different account on each tenant: B's sign-up cannot claim A's.
  const bravoToken = await signUp('bravo', 'ada@alpha.test', 'Ada of Bravo');
  assert.equal((await call('alpha', '/api/auth/me', { token: bravoToken })).status, 401);
  assert.equal(
    (await call('bravo', '/api/auth/login', { body: { email: 'ada@alpha.test', password: 'a long enough password' } })).json.user.name,
    'Ada of Bravo',
  );
  for (const path of [
    `/api/projects/${project.json.id}`,
    `/api/tasks/${task.json.id}`,
    `/api/files/${file.json.id}`,
    `/api/projects/${project.json.id}/tasks`,
  ]) {
    assert.equal((await call('bravo', path, { token: bravoToken })).status, 404, `${path} (alpha's id) on bravo`);
  }
  assert.equal((await call('bravo', `/api/projects/${project.json.id}`, { method: 'PATCH', token: bravoToken, body: { name: 'Mine now' } })).status, 404);
  assert.equal((await call('bravo', `/api/files/${file.json.id}`, { method: 'DELETE', token: bravoToken })).status, 404);
  assert.equal((await call('alpha', `/api/projects/${project.json.id}`, { token: alphaToken })).json.name, 'Secret plan');
});

test('the OpenAPI document comes from the schemas that validate requests', async () => {
  const doc = await call('alpha', '/api/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.json.openapi.startsWith('3.'), true);
  for (const path of [
    '/api/auth/signup',
    '/api/projects',
    '/api/projects/{id}',
    '/api/projects/{id}/tasks',
    '/api/tasks/{id}',
    '/api/files',
    '/api/files/{id}',
    '/api/user/config',
  ]) {
    assert.ok(doc.json.paths[path], `${path} documented`);
  }
  const signup = doc.json.paths['/api/auth/signup'].post.requestBody.content['application/json'].schema;
  assert.equal(signup.properties.password.minLength, 10, 'the same limit the validator enforces');
  assert.deepEqual(
    doc.json.paths['/api/projects'].get.parameters
      .find((p: { name: string }) => p.name === 'status')
      .schema.anyOf.map((s: { const?: string; enum?: string[] }) => s.const ?? s.enum?.[0]),
    ['active', 'archived'],
  );
  // Every operation documents the errors the pod server's mapping can answer, with the error body.
  for (const [path, operations] of Object.entries(doc.json.paths as Record<string, Record<string, { responses: Record<string, any> }>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      const statuses = ['400', '403', '503', ...(method === 'get' ? [] : ['413', '415'])];
      for (const status of statuses) assert.ok(operation.responses[status]?.content?.['application/json'], `${method} ${path} documents ${status}`);
    }
  }
  const limit = doc.json.paths['/api/projects'].get.parameters.find((p: { name: string }) => p.name === 'limit');
  assert.equal(limit.required, false, 'limit has a default, so it is optional');
  assert.ok(doc.json.paths['/api/files/{id}'].get.responses['200'].content['*/*'], 'the download documents its answer');
  assert.ok(doc.json.paths['/api/files'].post.requestBody.content['image/png'], 'the upload documents its body');
});

test('bad input is a 4xx with an error body that says what to fix, never a 5xx: NUL and control characters, forged cursors, impossible dates', async () => {
  const token = await signUp('alpha', 'input@alpha.test', 'Input');
  const project = await call('alpha', '/api/projects', { token, body: { name: 'Inputs' } });
  assert.equal(project.status, 201, project.text);
  const task = await call('alpha', `/api/projects/${project.json.id}/tasks`, { token, body: { title: 'Inputs' } });
  assert.equal(task.status, 201, task.text);
  const uuid = '6f1c2f8e-9d52-4c1e-8a57-3b0d7c1f2a90';
  const cursor = (text: string) => Buffer.from(text).toString('base64url');
  const user = (method: string, path: string, body?: unknown) => () => call('alpha', path, { method, token, ...(body === undefined ? {} : { body }) });
  const master = (method: string, path: string, body?: unknown) => () => platform.api(method, path, body);
  const cases: [string, () => Promise<HttpAnswer>][] = [
    ['NUL in a path parameter', user('GET', '/api/projects/%00')],
    ['a urn: UUID in a path parameter', user('GET', `/api/tasks/urn:uuid:${uuid}`)],
    ['NUL in the q query', user('GET', '/api/projects?q=a%00b')],
    ['a tab in the q query', user('GET', '/api/projects?q=a%09b')],
    ['NUL in a cursor', user('GET', '/api/projects?cursor=a%00b')],
    ['a cursor whose id is all dashes', user('GET', `/api/projects?cursor=${cursor('2026-01-01 10:00:00+00|------------------------------------')}`)],
    ['a cursor on February 30th', user('GET', `/api/projects?cursor=${cursor(`2026-02-30 10:00:00+00|${uuid}`)}`)],
    ['a cursor in year 0', user('GET', `/api/files?cursor=${cursor(`0000-01-01 10:00:00+00|${uuid}`)}`)],
    ['a cursor at hour 25', user('GET', `/api/projects/${project.json.id}/tasks?cursor=${cursor(`2026-01-01 25:00:00+00|${uuid}`)}`)],
    ['a cursor with a third part', user('GET', `/api/projects?cursor=${cursor(`2026-01-01 10:00:00+00|${uuid}|x`)}`)],
    ['NUL in a body field', user('POST', '/api/projects', { name: 'a\u0000b' })],
    ['NUL in a multi-line body field', user('POST', '/api/projects', { name: 'Fine', description: 'line\nline\u0000' })],
    ['NUL in a changed field', user('PATCH', `/api/projects/${project.json.id}`, { name: '\u0000' })],
    ['a due date in year 0', user('POST', `/api/projects/${project.json.id}/tasks`, { title: 'Zero', dueDate: '0000-01-01' })],
    ['a due date on February 30th', user('POST', `/api/projects/${project.json.id}/tasks`, { title: 'Never', dueDate: '2026-02-30' })],
    ['a changed due date in year 0', user('PATCH', `/api/tasks/${task.json.id}`, { dueDate: '0000-01-01' })],
    ['NUL in a task title', user('PATCH', `/api/tasks/${task.json.id}`, { title: 'x\u0000' })],
    ['NUL in a file name', () => call('alpha', '/api/files?name=a%00b.txt', { token, raw: 'hello', headers: { 'content-type': 'text/plain' } })],
    [
      'NUL in the sign-up name',
      () => call('alpha', '/api/auth/signup', { body: { email: 'nul@alpha.test', password: 'a long enough password', name: 'N\u0000' } }),
    ],
    ['NUL in a password', () => call('alpha', '/api/auth/login', { body: { email: 'input@alpha.test', password: 'a\u0000' } })],
    ["NUL in the tenants API's slug", master('GET', '/admin/api/tenants/%00')],
    ["NUL in the tenants API's slug (delete)", master('DELETE', '/admin/api/tenants/a%00b')],
    ["NUL in the tenants API's slug (usage)", master('GET', '/admin/api/tenants/%00/usage')],
    ["NUL in the tenants API's slug (step log)", master('GET', '/admin/api/tenants/%00/steps/database/log')],
    ["NUL in a new tenant's name", master('POST', '/admin/api/tenants', { slug: 'nulname', tier: 'trial', name: 'N\u0000' })],
  ];
  for (const [what, send] of cases) {
    const answer = await send();
    assert.ok(answer.status >= 400 && answer.status < 500, `${what}: HTTP ${answer.status} ${answer.text}`);
    assert.equal(typeof answer.json?.error?.code, 'string', `${what}: error code in ${answer.text}`);
    assert.ok(answer.json.error.message.length > 10, `${what}: a message that says what to fix`);
    assert.doesNotMatch(answer.text, /at \w+ \(/, `${what}: no stack trace`);
  }
  // The creation that was refused created nothing.
  assert.equal((await platform.api('GET', '/admin/api/tenants/nulname')).status, 404);
});

test('with verified addresses required: sign-up answers alike for a taken and a new address, and mails hold no typed text', async () => {
  const admin = accounts.get('bravo/ada@alpha.test') ?? (await signUp('bravo', 'ada@alpha.test', 'Ada of Bravo'));
  const turnedOn = await call('bravo', '/admin/api/settings', { method: 'PATCH', token: admin, body: { requireEmailVerification: true } });
  assert.equal(turnedOn.status, 200, turnedOn.text);
  assert.equal(turnedOn.json.requireEmailVerification, true);
  const fresh = await call('bravo', '/api/auth/signup', {
    body: { email: 'new@bravo.test', password: 'a long enough password', name: 'Click here http://evil.example' },
  });
  const taken = await call('bravo', '/api/auth/signup', {
    body: { email: 'ADA@alpha.test', password: 'a long enough password', name: 'Click here http://evil.example' },
  });
  assert.equal(fresh.status, 202, fresh.text);
  assert.deepEqual([taken.status, taken.text], [fresh.status, fresh.text], 'the same answer for a taken address');
  assert.doesNotMatch(fresh.text, /token/);
  assert.equal(
    (await call('bravo', '/api/auth/login', { body: { email: 'new@bravo.test', password: 'a long enough password' } })).json.error.code,
    'EMAIL_NOT_VERIFIED',
  );

  const inbox = async (to: string, subject: RegExp) =>
    waitFor(
      async () => {
        const list = await call('bravo', '/admin/api/mail', { token: admin });
        return list.json.messages.find((m: { subject: string; to: string[] }) => subject.test(m.subject) && m.to.some((t) => t.toLowerCase() === to));
      },
      { what: `the mail to ${to}`, timeoutMs: 15_000 },
    );
  const verification = await call('bravo', `/admin/api/mail/${(await inbox('new@bravo.test', /^Confirm/)).id}`, { token: admin });
  const warning = await call('bravo', `/admin/api/mail/${(await inbox('ada@alpha.test', /tried to sign up/)).id}`, { token: admin });
  for (const mail of [verification, warning]) assert.doesNotMatch(JSON.stringify(mail.json), /evil\.example|Click here/, 'nothing the sign-up typed is mailed');
  const token = new URL(verification.json.text.match(/http\S+verify-email\S+/)[0]).searchParams.get('token')!;
  assert.equal((await call('bravo', '/api/auth/verify-email', { body: { token } })).status, 204);
  assert.equal((await call('bravo', '/api/auth/verify-email', { body: { token } })).status, 400, 'used once');
  assert.equal((await call('bravo', '/api/auth/login', { body: { email: 'new@bravo.test', password: 'a long enough password' } })).status, 200);
});
