/**
 * End to end on one machine, with every part real: embedded Postgres, redis-server, the gateway,
 * the master pod and tenant pods as OS processes. One platform serves the tests in order.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { waitFor } from '@tenantry/core';
import { tenantUserName } from '@tenantry/driver-local';
import { connects } from '@tenantry/control-plane/contracts';
import { isPodVariable } from '@tenantry/pod-contract';
import { defaultPodManifest } from '@tenantry/pod-manifest';
import { postgresLayout } from './backing-services/embedded-postgres.js';
import { TENANT_REDIS_FOLDER } from './os-isolation.js';
import { isAlive, PlatformProcess } from './test-support/platform-process.js';

let platform: PlatformProcess;

before(async () => {
  platform = await PlatformProcess.create('30000-30999');
  await platform.start();
});

after(async () => {
  await platform?.dispose();
});

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

test('both tiers end to end through the gateway, from the CLI and over HTTP', async () => {
  const created = platform.cli('tenants', 'create', 'alpha', '--tier', 'trial', '--wait', '--json');
  assert.equal(created.status, 0, created.stderr);
  const alpha = JSON.parse(created.stdout);
  assert.equal(alpha.status, 'ready');
  assert.deepEqual(
    alpha.steps.map((s: { name: string; state: string }) => [s.name, s.state]),
    ['database', 'schema', 'storage', 'queue', 'mail', 'analytics', 'pod', 'route'].map((step) => [step, 'done']),
  );
  assert.ok(alpha.steps.every((s: { durationMs: number | null }) => typeof s.durationMs === 'number'));

  const accepted = await platform.api('POST', '/admin/api/tenants', { slug: 'prod', tier: 'production', name: 'Prod Inc' });
  assert.equal(accepted.status, 202);
  assert.equal(accepted.json.slug, 'prod');
  assert.ok(['pending', 'provisioning'].includes(accepted.json.status));
  await platform.waitStatus('prod', 'ready');

  for (const [slug, tier, name] of [
    ['alpha', 'trial', 'Alpha'],
    ['prod', 'production', 'Prod Inc'],
  ]) {
    const config = await platform.http(`${slug}.localhost:${platform.port}`, '/api/user/config');
    assert.equal(config.status, 200);
    assert.deepEqual({ slug: config.json.slug, tier: config.json.tier, name: config.json.name }, { slug, tier, name });
    const admin = await platform.http(`${slug}.localhost`, '/admin/api/status');
    assert.equal(admin.json.tenant, slug);
    assert.equal(admin.json.program, 'admin-backend');
    const page = await platform.http(`${slug}.localhost`, '/');
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`<h1>${name}</h1>`));
  }
  const env = platform.podEnv('prod');
  for (const key of ['TENANT_ID', 'TENANT_URL', 'DATABASE_URL', 'REDIS_URL', 'REDIS_PREFIX', 'STORAGE_URL', 'HOST', 'PORT'] as const) assert.ok(env[key], key);
  // Each program gets only the part of the contract its manifest entry reads: the frontend no database, storage or mail.
  for (const program of defaultPodManifest().programs) {
    const given = Object.keys(platform.podEnv('prod', program.name)).filter(isPodVariable);
    assert.deepEqual(
      given.filter((name) => !program.reads.includes(name)),
      [],
      program.name,
    );
  }
  assert.deepEqual(
    ['DATABASE_URL', 'STORAGE_URL', 'SMTP_URL', 'MAIL_INBOX_URL'].filter((name) => name in platform.podEnv('prod', 'frontend')),
    [],
  );
  assert.ok(platform.podEnv('prod', 'scheduler').SMTP_URL);
  assert.equal(env.TENANT_ID, 'prod');
  assert.equal(env.IS_MASTER, 'false');
  assert.equal(
    Object.keys(env).some((k) => k.startsWith('TENANTRY_') || k === 'ADMIN_TOKEN'),
    false,
    'no platform secret reaches a tenant',
  );
  assert.equal(await connects(env.DATABASE_URL!), true);

  const environ = (program: string) => readFileSync(`/proc/${platform.pid('pod-master', program)}/environ`, 'utf8').split('\0');
  assert.ok(environ('admin-backend').some((v) => v.startsWith('ADMIN_TOKEN=')));
  assert.ok(environ('scheduler').some((v) => v.startsWith('TENANTRY_POSTGRES_SUPERUSER_PASSWORD=')));
  const catalogUrl = environ('admin-backend')
    .find((v) => v.startsWith('DATABASE_URL='))!
    .slice('DATABASE_URL='.length);
  assert.equal(new URL(catalogUrl).username, 'tenantry_catalog', 'the catalog has a login of its own, not the superuser');
  for (const program of ['user-backend', 'frontend']) {
    assert.ok(!environ(program).some((v) => /^(ADMIN_TOKEN|TENANTRY_\w*(TOKEN|PASSWORD|KEY))=/.test(v)), `the master's ${program} holds no platform secret`);
  }

  const listed = platform.cli('tenants', 'list', '--json');
  assert.deepEqual(
    JSON.parse(listed.stdout)
      .tenants.map((t: { slug: string }) => t.slug)
      .sort(),
    ['alpha', 'prod'],
  );
});

test('a repeated create returns the same tenant; a different body is a conflict', async () => {
  // As `curl -d '{...}'` sends it: JSON labelled as a form.
  const again = await platform.http('master.localhost', '/admin/api/tenants', {
    method: 'POST',
    body: JSON.stringify({ slug: 'prod', tier: 'production', name: 'Prod Inc' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(again.status, 200);
  assert.equal(again.json.slug, 'prod');
  assert.equal(again.json.status, 'ready');
  const conflict = await platform.api('POST', '/admin/api/tenants', { slug: 'prod', tier: 'trial', name: 'Prod Inc' });
  assert.equal(conflict.status, 409);
  assert.match(conflict.json.error.message, /tier/);

  // More identical creates at once than the API's database pool has connections.
  const crowd = await Promise.all(Array.from({ length: 16 }, () => platform.api('POST', '/admin/api/tenants', { slug: 'crowd', tier: 'trial' })));
  assert.equal(crowd.filter((a) => a.status === 202).length, 1, 'one create made the tenant');
  assert.equal(crowd.filter((a) => a.status === 200).length, 15, 'the others got the same tenant');
  assert.ok(crowd.every((a) => a.json.slug === 'crowd'));
  await platform.waitStatus('crowd', 'ready');
  assert.equal((await platform.api('DELETE', '/admin/api/tenants/crowd')).status, 202);
  await platform.waitGone('crowd');
});

test('bad input gets a 4xx with a message that says what to fix, and makes nothing', async () => {
  const cases: [unknown, number, RegExp][] = [
    [{ slug: 'Bad_Slug', tier: 'trial' }, 400, /DNS label/],
    [{ slug: 'ab', tier: 'trial' }, 400, /3 to 63/],
    [{ slug: 'master', tier: 'trial' }, 400, /reserved/],
    [{ slug: 'www', tier: 'trial' }, 400, /reserved/],
    [{ slug: 'okay', tier: 'gold' }, 400, /production, trial/],
    [{ slug: 'okay' }, 400, /tier is required/],
    [{ slug: 'okay', tier: 'trial', color: 'red' }, 400, /unknown field "color"/],
    [[1, 2], 400, /JSON object/],
    ['{"slug": "okay",', 400, /not valid JSON/],
  ];
  for (const [body, status, message] of cases) {
    const answer = await platform.api('POST', '/admin/api/tenants', body);
    assert.equal(answer.status, status, JSON.stringify(body));
    assert.match(answer.json.error.message, message, JSON.stringify(body));
    assert.doesNotMatch(answer.text, /at .*\.js:\d+/, 'no stack trace');
  }
  assert.equal((await platform.api('POST', '/admin/api/tenants', { slug: 'okay', tier: 'trial' }, null)).status, 401);
  assert.equal((await platform.api('GET', '/admin/api/tenants', undefined, 'wrong-token-wrong-token')).status, 401);
  assert.equal((await platform.api('GET', '/admin/api/tenants/nobody')).status, 404);
  assert.equal((await platform.api('DELETE', '/admin/api/tenants/nobody')).status, 404);
  const form = await platform.http('master.localhost', '/admin/api/tenants', {
    method: 'POST',
    body: 'slug=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 400);
  assert.match(form.json.error.message, /not valid JSON/);

  const cli = platform.cli('tenants', 'create', 'Bad_Slug', '--tier', 'trial', '--json');
  assert.equal(cli.status, 2);
  assert.match(JSON.parse(cli.stdout).error.message, /DNS label/);
  assert.equal(platform.cli('tenants', 'create', 'okay', '--tier', 'gold').status, 2);
  assert.equal(platform.cli('tenants', 'get', 'nobody').status, 1);
  const unreachable = platform.cli('tenants', 'list', '--url', 'http://127.0.0.1:1');
  assert.equal(unreachable.status, 3);
  assert.match(unreachable.stderr, /cannot reach the platform/);

  const { tenants } = (await platform.api('GET', '/admin/api/tenants')).json;
  assert.deepEqual(tenants.map((t: { slug: string }) => t.slug).sort(), ['alpha', 'prod']);
});

test("one tenant's credentials never open another tenant's database", async () => {
  const created = platform.cli('tenants', 'create', 'bravo', '--tier', 'trial', '--wait', '--json');
  assert.equal(created.status, 0, created.stderr);
  const alphaUrl = platform.podEnv('alpha').DATABASE_URL!;
  const bravoUrl = platform.podEnv('bravo').DATABASE_URL!;
  const prodUrl = platform.podEnv('prod').DATABASE_URL!;
  assert.equal(new URL(alphaUrl).port, new URL(bravoUrl).port, 'trial tenants share one server');
  assert.notEqual(new URL(alphaUrl).port, new URL(prodUrl).port, 'production has its own instance');
  assert.equal(await connects(alphaUrl), true);
  const bravoDb = new URL(bravoUrl).pathname.slice(1);
  assert.match(String(await connects(withDatabase(alphaUrl, bravoDb))), /permission denied|not permitted/);
  assert.match(String(await connects(withDatabase(alphaUrl, 'postgres'))), /permission denied/);
  const onProd = new URL(alphaUrl);
  onProd.port = new URL(prodUrl).port;
  assert.match(String(await connects(withDatabase(onProd.toString(), new URL(prodUrl).pathname.slice(1)))), /password authentication failed|does not exist/);
  assert.doesNotMatch(bravoDb, /bravo/, 'database names on the shared server are opaque');
});

test("each tenant has a Redis server of its own; its analytics login on the platform's Redis may only append to its stream", async () => {
  const alphaUrl = new URL(platform.podEnv('alpha').REDIS_URL!);
  const bravoUrl = new URL(platform.podEnv('bravo').REDIS_URL!);
  assert.notEqual(alphaUrl.port, bravoUrl.port, 'two servers');
  const platformPort = String(platform.agentState().ports['platform-redis']!.redis);
  assert.ok(![alphaUrl.port, bravoUrl.port].includes(platformPort), "neither is the platform's");
  const prefix = platform.podEnv('alpha').REDIS_PREFIX!;
  const clients: Redis[] = [];
  const connect = (url: string | URL) => {
    // No ready check: a connection without a login must stay open for the AUTH the test sends.
    const client = new Redis(String(url), { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true, enableReadyCheck: false });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  try {
    const alpha = connect(alphaUrl);
    await alpha.connect();
    await alpha.set(`${prefix}:greeting`, 'hello');
    assert.equal(await alpha.get(`${prefix}:greeting`), 'hello');
    for (const attempt of [() => alpha.keys('*'), () => alpha.flushall(), () => alpha.call('ACL', 'LIST'), () => alpha.config('SET', 'dir', '/tmp')]) {
      await assert.rejects(attempt(), /NOPERM/);
    }
    // Alpha's login on bravo's server, and on the platform's.
    for (const port of [bravoUrl.port, platformPort]) {
      const other = connect(`redis://127.0.0.1:${port}`);
      await other.connect();
      await assert.rejects(other.call('AUTH', decodeURIComponent(alphaUrl.username), decodeURIComponent(alphaUrl.password)), /WRONGPASS/);
    }
    const analytics = connect(platform.podEnv('alpha').ANALYTICS_REDIS_URL!);
    await analytics.connect();
    assert.ok(await analytics.xadd(`${prefix}:analytics`, '*', 'e', '{}'), 'its own stream');
    for (const attempt of [
      () => analytics.xadd(`${platform.podEnv('bravo').REDIS_PREFIX!}:analytics`, '*', 'e', '{}'),
      () => analytics.xrange(`${prefix}:analytics`, '-', '+'),
      () => analytics.get('bull:tenantry-provisioning:id'),
      () => analytics.call('EVALSHA', '0'.repeat(40), '0'),
      () => analytics.scan(0),
    ]) {
      await assert.rejects(attempt(), /NOPERM/);
    }
  } finally {
    for (const client of clients) client.disconnect();
  }
});

test('tenantry tenants update renames a tenant: the reconciler applies it to its mail and pod, and observes the new generation', async () => {
  const update = platform.cli('tenants', 'update', 'alpha', '--name', 'Alpha Renamed', '--wait', '--timeout', '60');
  assert.equal(update.status, 0, update.stderr);
  assert.match(update.stdout, /tenant alpha: generation 2, observed 1/);
  assert.match(update.stdout, /PodReady +True +Updated: the spec's name changed; applied again/);
  assert.match(update.stdout, /applied: Alpha Renamed/);
  const tenant = (await platform.api('GET', '/admin/api/tenants/alpha')).json;
  assert.deepEqual([tenant.generation, tenant.observedGeneration, tenant.spec.name], [2, 2, 'Alpha Renamed']);
  assert.equal(tenant.conditions.find((c: { type: string }) => c.type === 'DatabaseReady').reason, 'Observed', 'the database was not touched');
  assert.equal(platform.podEnv('alpha').TENANT_NAME, 'Alpha Renamed');
  assert.match(platform.podEnv('alpha', 'scheduler').MAIL_FROM!, /^"Alpha Renamed" </);
  await waitFor(async () => (await platform.http('alpha.localhost', '/api/user/config')).json?.name === 'Alpha Renamed', {
    what: "alpha's pod to serve its new name",
    timeoutMs: 30_000,
  });
  const get = platform.cli('tenants', 'get', 'alpha');
  assert.match(get.stdout, /spec: +name "Alpha Renamed", tier trial, state active \(generation 2\)/);
  assert.match(get.stdout, /status: +ready \(observed generation 2\)/);
  assert.match(get.stdout, /Reconciled +True +Converged/);
  const refused = platform.cli('tenants', 'update', 'alpha');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /tenants update needs what to change: --name <name>/);
});

test('header tricks never reach another tenant', async () => {
  const tricks: Record<string, string>[] = [
    { 'x-forwarded-host': 'bravo.localhost' },
    { forwarded: 'host=bravo.localhost' },
    { 'x-original-host': 'bravo.localhost' },
  ];
  for (const headers of tricks) {
    const answer = await platform.http('alpha.localhost', '/api/user/config', { headers });
    assert.equal(answer.json.slug, 'alpha');
  }
  assert.equal((await platform.http('nobody.localhost', '/api/user/config')).status, 404);
  assert.equal((await platform.http('master.localhost', '/api/user/config')).json.slug, 'master');
});

test("a crash stays inside one tenant: B answers every request while A's user backend is killed, and A comes back", async () => {
  const victim = platform.pid('pod-alpha', 'user-backend');
  let stop = false;
  let served = 0;
  const failures: number[] = [];
  const load = (async () => {
    while (!stop) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => platform.http('bravo.localhost', '/api/user/config')));
      for (const answer of batch) {
        if (answer.status === 200 && answer.json.slug === 'bravo') served++;
        else failures.push(answer.status);
      }
    }
  })();
  await waitFor(() => served >= 200, { what: 'load on bravo', timeoutMs: 30_000 });
  process.kill(victim, 'SIGKILL');
  const downAt = Date.now();
  await waitFor(
    async () => (await platform.http('alpha.localhost', '/api/user/config')).status === 200 && platform.pid('pod-alpha', 'user-backend') !== victim,
    {
      what: "alpha's user backend to come back",
      timeoutMs: 10_000,
    },
  );
  const recoveredMs = Date.now() - downAt;
  const servedAtRecovery = served;
  await waitFor(() => served >= servedAtRecovery + 200, { what: 'more load on bravo', timeoutMs: 30_000 });
  stop = true;
  await load;
  assert.deepEqual(failures, [], 'bravo answered every request');
  assert.ok(recoveredMs < 10_000, `alpha back in ${recoveredMs} ms`);
});

test("a tenant's Redis server killed comes back with its data, and the tenant enqueues again", async () => {
  const resetRequest = () =>
    platform.http('alpha.localhost', '/api/auth/password-reset', { method: 'POST', body: JSON.stringify({ email: 'someone@alpha.test' }) });
  assert.equal((await resetRequest()).status, 202, 'enqueued before');
  const prefix = platform.podEnv('alpha').REDIS_PREFIX!;
  const alpha = new Redis(platform.podEnv('alpha').REDIS_URL!, { maxRetriesPerRequest: 1 });
  alpha.on('error', () => undefined);
  try {
    await alpha.set(`${prefix}:kept`, 'across a restart');
    const aof = join(platform.home, TENANT_REDIS_FOLDER, 'alpha', 'appendonlydir');
    await waitFor(() => readdirSync(aof).some((file) => readFileSync(join(aof, file), 'utf8').includes('across a restart')), {
      what: 'the write to reach the append-only file',
      timeoutMs: 5_000,
    });
    const victim = platform.pid('redis-alpha', 'redis');
    process.kill(victim, 'SIGKILL');
    await waitFor(() => platform.pid('redis-alpha', 'redis') !== victim, { what: "alpha's redis-server restarted", timeoutMs: 15_000 });
    await waitFor(async () => (await resetRequest()).status === 202, { what: 'alpha enqueueing again after the restart', timeoutMs: 30_000, intervalMs: 100 });
    assert.equal(await alpha.get(`${prefix}:kept`), 'across a restart');
    assert.equal((await platform.http('bravo.localhost', '/api/user/config')).status, 200, 'bravo never noticed');
  } finally {
    alpha.disconnect();
  }
});

test('a provisioning worker killed in the middle resumes and finishes, without duplicates', async () => {
  const accepted = await platform.api('POST', '/admin/api/tenants', { slug: 'resume', tier: 'production' });
  assert.equal(accepted.status, 202);
  await waitFor(
    async () => (await platform.api('GET', '/admin/api/tenants/resume')).json.steps.some((s: { state: string }) => s.state === 'running' || s.state === 'done'),
    { what: 'provisioning to start', timeoutMs: 30_000, intervalMs: 5 },
  );
  const worker = platform.pid('pod-master', 'scheduler');
  process.kill(worker, 'SIGKILL');
  const tenant = await platform.waitStatus('resume', 'ready', 90_000);
  assert.ok(tenant.steps.every((s: { state: string }) => s.state === 'done'));
  assert.notEqual(platform.pid('pod-master', 'scheduler'), worker, 'the worker was restarted');
  assert.equal((await platform.http('resume.localhost', '/api/user/config')).json.slug, 'resume');
  const state = platform.agentState();
  assert.deepEqual(
    Object.keys(state.workloads)
      .filter((n) => n.endsWith('-resume'))
      .sort(),
    ['db-resume', 'pod-resume', 'redis-resume'],
  );
  assert.equal(Object.values(state.ports['db-resume'] ?? {}).length, 1, 'one instance port');
});

test('delete leaves nothing behind and is safe to repeat', async () => {
  const superuser = readFileSync(join(platform.home, 'secrets', 'postgres-superuser'), 'utf8').trim();
  const trialPort = platform.agentState().ports['trial-postgres']!.postgres;
  const trialAdmin = `postgres://postgres:${encodeURIComponent(superuser)}@127.0.0.1:${trialPort}/postgres`;
  const bravoUrl = new URL(platform.podEnv('bravo').DATABASE_URL!);
  const bravoRedis = platform.podEnv('bravo').REDIS_URL!;
  const prodInstance = join(postgresLayout(platform.home, undefined).instancesDir, 'prod');
  const pids = ['user-backend', 'admin-backend', 'scheduler', 'frontend'].map((p) => platform.pid('pod-bravo', p));
  const prodPostgres = platform.pid('db-prod', 'postgres');
  assert.ok(existsSync(prodInstance));
  const bravoUser = tenantUserName('bravo');
  if (process.getuid?.() === 0) {
    // As root, each tenant's pod runs as its own OS user, which leaves with the tenant.
    const uid = Number(execFileSync('id', ['-u', bravoUser], { encoding: 'utf8' }).trim());
    for (const pid of pids) assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${uid}\\s`, 'm'));
    assert.equal(statSync(join(platform.home, 'storage', 'bravo')).uid, uid);
  }

  for (const slug of ['bravo', 'prod']) {
    const deleted = platform.cli('tenants', 'delete', slug, '--wait', '--json');
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.equal(JSON.parse(deleted.stdout).status, 'deleted');
    assert.equal((await platform.api('GET', `/admin/api/tenants/${slug}`)).status, 404);
    assert.equal((await platform.http(`${slug}.localhost`, '/api/user/config')).status, 404);
  }
  const state = platform.agentState();
  for (const name of ['pod-bravo', 'pod-prod', 'db-prod']) {
    assert.equal(state.workloads[name], undefined, `${name} workload`);
    assert.equal(state.ports[name], undefined, `${name} ports`);
  }
  assert.equal(state.routes['bravo.localhost'], undefined);
  assert.ok(!existsSync(join(platform.home, 'storage', 'bravo')));
  assert.ok(!existsSync(prodInstance));
  assert.equal(spawnSync('id', ['-u', bravoUser]).status, 1, "bravo's OS user is gone");
  for (const pid of [...pids, prodPostgres]) await waitFor(() => !isAlive(pid), { what: `process ${pid} to exit`, timeoutMs: 10_000 });
  const admin = new pg.Client({ connectionString: trialAdmin });
  await admin.connect();
  try {
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [bravoUrl.pathname.slice(1)]);
    assert.equal(db.rowCount, 0, 'database dropped');
    const roles = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1 OR rolname = $2', [
      bravoUrl.username,
      bravoUrl.username.replace('login_', 'owner_'),
    ]);
    assert.equal(roles.rowCount, 0, 'roles dropped');
  } finally {
    await admin.end();
  }
  const gone = new Redis(bravoRedis, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  const refusals: string[] = [];
  gone.on('error', (err: Error) => refusals.push(err.message));
  await gone.connect().catch(() => undefined);
  gone.disconnect();
  assert.match(refusals.join(' '), /ECONNREFUSED|WRONGPASS/, "bravo's Redis server is gone");
  assert.ok(!existsSync(join(platform.home, TENANT_REDIS_FOLDER, 'bravo')), 'with its data');
  assert.equal(platform.agentState().workloads['redis-bravo'], undefined);
  const again = platform.cli('tenants', 'delete', 'bravo', '--json');
  assert.equal(again.status, 0);
});

test('stopping leaves no process behind; starting again brings back every ready tenant', async () => {
  const pids = platform.supervisedPids();
  assert.ok(pids.length >= 10);
  assert.equal(await platform.stop(), 0);
  assert.deepEqual(pids.filter(isAlive), [], 'every process stopped');
  await platform.start();
  for (const slug of ['alpha', 'resume']) {
    await waitFor(async () => (await platform.http(`${slug}.localhost`, '/api/user/config')).json?.slug === slug, {
      what: `${slug} to answer again`,
      timeoutMs: 30_000,
    });
  }
  assert.equal((await platform.api('GET', '/admin/api/tenants/alpha')).json.status, 'ready');
  const alpha = new Redis(platform.podEnv('alpha').REDIS_URL!, { maxRetriesPerRequest: 1 });
  assert.equal(await alpha.get(`${platform.podEnv('alpha').REDIS_PREFIX!}:greeting`), 'hello', "the tenant's Redis login and data survived the restart");
  alpha.disconnect();
});

test('after a hard kill of the platform, starting again stops the orphans and brings the tenants back', async () => {
  const orphans = platform.supervisedPids();
  await platform.kill();
  assert.ok(orphans.some(isAlive), 'a hard kill leaves the children running');
  await platform.start();
  assert.deepEqual(orphans.filter(isAlive), [], "the previous run's processes were stopped");
  for (const slug of ['alpha', 'resume']) {
    await waitFor(async () => (await platform.http(`${slug}.localhost`, '/api/user/config')).json?.slug === slug, {
      what: `${slug} to answer again`,
      timeoutMs: 30_000,
    });
  }
});
