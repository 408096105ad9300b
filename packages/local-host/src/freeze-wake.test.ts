/**
 * Freezing and waking on the real platform: a frozen tenant has no process left (pod, Redis server,
 * and a production tenant's Postgres instance stopped, their data kept), its first request wakes it
 * through the gateway and is answered 200, many first requests at once share one wake, and a tenant
 * deleted while frozen leaves nothing behind, a wake that fails answers 503 and says why, and a woken
 * tenant's crashed program is restarted as before. Trial tenants idle for 4 s are frozen by themselves:
 * real requests keep a tenant awake, probes do not.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { tenantRedisPrefix, waitFor, type Condition } from '@tenantry/core';
import { AgentClient, type WorkloadSpecInput } from '@tenantry/driver-local';
import { PlatformProcess } from './test-support/platform-process.js';

let platform: PlatformProcess;
let agent: AgentClient;
let token = '';

before(async () => {
  platform = await PlatformProcess.create('26000-26999');
  // A short wake timeout, so the test of a wake that fails waits little for its 503.
  platform.extraEnv = { TENANTRY_FREEZE_AFTER_TRIAL: '4s', TENANTRY_WAKE_TIMEOUT_MS: '8000' };
  await platform.start();
  for (const [slug, tier] of [
    ['icy', 'production'],
    ['frosty', 'trial'],
    ['busy', 'trial'],
  ] as const) {
    assert.equal((await platform.api('POST', '/admin/api/tenants', { slug, tier })).status, 202);
  }
  await Promise.all(['icy', 'frosty', 'busy'].map((slug) => platform.waitStatus(slug, 'ready')));
  const environ = platform.processEnviron('pod-master', 'scheduler');
  agent = new AgentClient(environ.TENANTRY_AGENT_URL!, environ.TENANTRY_AGENT_TOKEN!);
  token = await platform.signUp('icy', 'owner@icy.test');
});

after(async () => {
  await platform?.dispose();
});

async function freeze(slug: string): Promise<{ generation: number; frozen: Condition }> {
  const answer = await platform.api('PATCH', `/admin/api/tenants/${slug}`, { state: 'frozen' });
  assert.equal(answer.status, 200, answer.text);
  const tenant = await platform.waitStatus(slug, 'frozen');
  return { generation: tenant.generation, frozen: tenant.conditions.find((c: Condition) => c.type === 'Frozen') };
}

/** The tenant's workloads the node agent runs now (a suspended one keeps its spec but runs nothing). */
async function running(slug: string): Promise<string[]> {
  const names = [`pod-${slug}`, `redis-${slug}`, `db-${slug}`];
  const statuses = await Promise.all(names.map((name) => agent.workloadStatus(name)));
  return names.filter((_, i) => statuses[i] !== undefined);
}

test('an idle trial tenant is frozen by itself, probes or not; one with real requests stays awake, and production is never frozen by itself', async (t) => {
  const started = Date.now();
  let stop = false;
  // Real requests to busy, and only the probes' paths (health monitor, liveness) to frosty.
  const traffic = (async () => {
    while (!stop) {
      assert.equal((await platform.http('busy.localhost', '/api/user/config')).status, 200);
      await platform.http('frosty.localhost', '/admin/api/status');
      await platform.http('frosty.localhost', '/healthz');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  try {
    await platform.waitStatus('frosty', 'frozen', 30_000);
    t.diagnostic(`frosty frozen ${Date.now() - started} ms after the test began (idle time 4 s)`);
  } finally {
    stop = true;
    await traffic;
  }
  const busy = (await platform.api('GET', '/admin/api/tenants/busy')).json;
  assert.deepEqual([busy.status, busy.spec.state], ['ready', 'active'], 'real requests keep it awake');
  const icy = (await platform.api('GET', '/admin/api/tenants/icy')).json;
  assert.deepEqual([icy.status, icy.spec.state], ['ready', 'active'], 'production: no idle time unless set');
});

test('a frozen trial tenant runs nothing; its first request wakes it and is answered 200, with the wake time', async (t) => {
  const { frozen } = await freeze('frosty');
  assert.equal(frozen.status, 'True');
  assert.match(frozen.message, /nothing of the tenant runs/);
  assert.deepEqual(await running('frosty'), []);
  assert.equal((platform.agentState().routes['frosty.localhost'] as { state?: string } | undefined)?.state, 'frozen');
  const cli = platform.cli('tenants', 'get', 'frosty');
  assert.match(cli.stdout, /status: {2}frozen/);

  const first = await platform.http('frosty.localhost', '/api/user/config');
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.slug, 'frosty');
  const wakeMs = Number(first.headers['x-tenantry-wake-ms']);
  assert.ok(wakeMs > 0, `x-tenantry-wake-ms: ${first.headers['x-tenantry-wake-ms']}`);
  t.diagnostic(`first request to a frozen trial tenant: woken in ${wakeMs} ms`);
  const woken = await platform.waitStatus('frosty', 'ready');
  assert.equal(woken.spec.state, 'active');
  assert.equal(woken.conditions.find((c: Condition) => c.type === 'Frozen').reason, 'Woken');
  assert.deepEqual((await running('frosty')).sort(), ['pod-frosty', 'redis-frosty']);
});

test('100 concurrent first requests to a frozen production tenant: one wake, 100 answers of 200, its data kept', async (t) => {
  const { generation } = await freeze('icy');
  assert.deepEqual(await running('icy'), [], 'its Postgres instance is stopped too');
  assert.ok(existsSync(join(platform.home, 'postgres', 'instances', 'icy')), 'its data stays on disk');

  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: 100 }, () => platform.http('icy.localhost', '/api/user/config')));
  t.diagnostic(`100 first requests answered in ${Date.now() - started} ms`);
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(100).fill(200),
  );
  const tenant = await platform.waitStatus('icy', 'ready');
  assert.equal(tenant.generation, generation + 1, 'one wake: the spec changed once, back to active');
  const me = await platform.http('icy.localhost', '/api/auth/me', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200, `the account made before the freeze is still there: ${me.text}`);
});

test("a crash of a woken tenant's program is recovered as before: restarted, serving again", async () => {
  await platform.waitStatus('icy', 'ready');
  const pid = platform.pid('pod-icy', 'user-backend');
  process.kill(pid, 'SIGKILL');
  await waitFor(
    async () => {
      if (platform.pid('pod-icy', 'user-backend') === pid) return false;
      return (await platform.http('icy.localhost', '/api/user/config')).status === 200;
    },
    { what: "icy's user backend to be restarted and serve", timeoutMs: 20_000, intervalMs: 50 },
  );
  assert.equal((await platform.api('GET', '/admin/api/tenants/icy')).json.status, 'ready');
});

test('a wake that fails sets a condition and answers 503 with Retry-After, never hangs; once the cause is gone the tenant wakes', async (t) => {
  await freeze('busy');
  // Its pod's user backend made to exit at once, as a bad release would: the wake cannot finish.
  const good = platform.agentState().workloads['pod-busy'] as unknown as WorkloadSpecInput;
  const broken = {
    ...good,
    processes: good.processes.map((p) => (p.name === 'user-backend' ? { ...p, args: ['-e', 'process.exit(3)'], warmStart: false } : p)),
  };
  await agent.applyWorkload(broken);
  await agent.suspendWorkload('pod-busy');

  const started = Date.now();
  const answer = await platform.http('busy.localhost', '/api/user/config');
  const waitedMs = Date.now() - started;
  t.diagnostic(`answered ${answer.status} after ${waitedMs} ms`);
  assert.equal(answer.status, 503, answer.text);
  assert.ok(Number(answer.headers['retry-after']) > 0, 'Retry-After');
  assert.ok(waitedMs < 8000 + 5000, `held for ${waitedMs} ms: bounded by the wake timeout`);
  const failing = await waitFor(
    async () => {
      const tenant = (await platform.api('GET', '/admin/api/tenants/busy')).json;
      return tenant.conditions.find((c: Condition) => c.type === 'Frozen' && c.reason === 'WakeFailed');
    },
    { what: "busy's condition to say the wake failed", timeoutMs: 10_000 },
  );
  assert.match(failing.message, /user-backend/, 'the condition names what failed');

  // Put the pod back as it was: the wake, retried, finishes, and the next request is served.
  await agent.applyWorkload(good);
  await agent.suspendWorkload('pod-busy');
  await waitFor(async () => (await platform.http('busy.localhost', '/api/user/config')).status === 200, {
    what: 'busy to wake once its pod can start',
    timeoutMs: 60_000,
    intervalMs: 200,
  });
});

test('jobs survive a freeze: a mail due while its tenant is frozen is sent once it wakes', async () => {
  // A production tenant: idle freezing (4 s here, for trial tenants only) leaves it alone while the test waits.
  await platform.waitStatus('icy', 'ready');
  const scheduler = platform.podEnv('icy', 'scheduler');
  const to = 'later@icy.test';
  // A delayed job, as the tenant's programs would enqueue it, due 3 s from now.
  const connection = new Redis(scheduler.REDIS_URL!, { maxRetriesPerRequest: null });
  const queue = new Queue('mail', { connection, prefix: scheduler.REDIS_PREFIX ?? tenantRedisPrefix('icy') });
  const due = Date.now() + 3_000;
  try {
    await queue.add('welcome', { template: 'welcome', to, signInUrl: 'http://icy.localhost/' }, { delay: 3_000 });
  } finally {
    await queue.close();
    connection.disconnect();
  }
  await freeze('icy');
  assert.deepEqual(await running('icy'), [], 'its Redis server is stopped, the job in its append-only file');
  // The job falls due while nothing of the tenant runs.
  await waitFor(() => Date.now() > due + 500, { what: 'the job to fall due while frozen', timeoutMs: 10_000, intervalMs: 50 });
  assert.equal((await platform.http('icy.localhost', '/api/user/config')).status, 200);

  const inbox = new URL(platform.podEnv('icy', 'admin-backend').MAIL_INBOX_URL!);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(inbox.username)}:${decodeURIComponent(inbox.password)}`).toString('base64')}`;
  inbox.username = inbox.password = '';
  await waitFor(
    async () => {
      const answer = await fetch(`${inbox.toString().replace(/\/$/, '')}/messages`, { headers: { authorization } });
      const { messages } = (await answer.json()) as { messages: { to: string[] }[] };
      return messages.some((m) => m.to.includes(to));
    },
    { what: 'the mail due while frozen to be sent after the wake', timeoutMs: 30_000, intervalMs: 200 },
  );
});

test('a tenant deleted while frozen leaves nothing behind', async () => {
  await freeze('frosty');
  assert.equal((await platform.api('DELETE', '/admin/api/tenants/frosty')).status, 202);
  await platform.waitGone('frosty');
  const state = platform.agentState() as ReturnType<PlatformProcess['agentState']> & { suspended?: string[] };
  assert.deepEqual(
    Object.keys(state.workloads).filter((name) => name.endsWith('-frosty')),
    [],
  );
  assert.equal(state.routes['frosty.localhost'], undefined);
  assert.deepEqual(
    (state.suspended ?? []).filter((name) => name.endsWith('-frosty')),
    [],
  );
  assert.ok(!existsSync(join(platform.home, 'tenant-redis', 'frosty')));
  await waitFor(async () => (await platform.http('frosty.localhost', '/')).status === 404, { what: 'frosty unknown to the gateway', timeoutMs: 10_000 });
});
