/**
 * Drift repaired by the reconciler on the real platform: what a ready tenant has is taken away behind
 * the control plane's back (its dedicated Postgres instance, its Redis server, its route, its pod),
 * and the next periodic resync puts it back, with a condition that says what was seen and done.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, waitFor, type Condition } from '@tenantry/core';
import { AgentClient } from '@tenantry/driver-local';
import { PlatformProcess } from './test-support/platform-process.js';

let platform: PlatformProcess;
let agent: AgentClient;
let token = '';
/** The master scheduler's environment: the node agent's address and token, the platform's Redis. */
let environ: Record<string, string> = {};

before(async () => {
  platform = await PlatformProcess.create('29000-29999');
  // A resync every half second: drift is found within a second, without waiting for the default 30 s.
  platform.extraEnv = { TENANTRY_RESYNC_INTERVAL_MS: '500' };
  await platform.start();
  for (const [slug, tier] of [
    ['lively', 'production'],
    ['calm', 'trial'],
  ] as const) {
    assert.equal((await platform.api('POST', '/admin/api/tenants', { slug, tier })).status, 202);
  }
  await Promise.all([platform.waitStatus('lively', 'ready'), platform.waitStatus('calm', 'ready')]);
  // The node agent the master's scheduler drives (its address and token are in that program's environment).
  environ = platform.processEnviron('pod-master', 'scheduler');
  agent = new AgentClient(environ.TENANTRY_AGENT_URL!, environ.TENANTRY_AGENT_TOKEN!);
  token = await platform.signUp('lively', 'owner@lively.test');
});

after(async () => {
  await platform?.dispose();
});

async function condition(slug: string, type: Condition['type']): Promise<Condition> {
  const tenant = (await platform.api('GET', `/admin/api/tenants/${slug}`)).json;
  return tenant.conditions.find((c: Condition) => c.type === type);
}

/** Waits until the condition says the resource was put back after `since`; returns it and how long that took. */
async function repaired(slug: string, type: Condition['type'], since: number): Promise<{ condition: Condition; ms: number }> {
  const found = await waitFor(
    async () => {
      const c = await condition(slug, type);
      return c.status === 'True' && c.reason === 'Repaired' && Date.parse(c.lastTransitionTime) >= since ? c : undefined;
    },
    { what: `${slug}'s ${type} repaired`, timeoutMs: 60_000, intervalMs: 100 },
  );
  return { condition: found, ms: Date.parse(found.lastTransitionTime) - since };
}

/** Waits until the reconciler has finished putting the tenant back (Reconciled True again since `since`). */
async function converged(slug: string, since: number): Promise<void> {
  await waitFor(
    async () => {
      const c = await condition(slug, 'Reconciled');
      return c.status === 'True' && Date.parse(c.lastTransitionTime) >= since;
    },
    { what: `${slug} converged`, timeoutMs: 60_000, intervalMs: 100 },
  );
}

async function answers(slug: string): Promise<void> {
  await waitFor(async () => (await platform.http(`${slug}.localhost`, '/api/user/config')).json?.slug === slug, {
    what: `${slug} to answer`,
    timeoutMs: 30_000,
  });
}

test("a production tenant's Postgres instance taken away comes back with its data, with the steps that take its login", async (t) => {
  const since = Date.now();
  await agent.deleteWorkload('db-lively');
  const { condition: database, ms } = await repaired('lively', 'DatabaseReady', since);
  t.diagnostic(`repaired ${ms} ms after the instance was taken away`);
  assert.match(database.message, /dedicated Postgres instance .* does not answer.*; applied again/);
  await converged('lively', since);
  // A new login (its password is reset): the schema step and the pod take it; the pod keeps its ports, so its route stays.
  for (const type of ['SchemaReady', 'PodReady'] as const) assert.equal((await condition('lively', type)).reason, 'Repaired', type);
  for (const type of ['StorageReady', 'Routed'] as const) assert.equal((await condition('lively', type)).reason, 'Observed', `${type}: left alone`);
  await answers('lively');
  const me = await platform.http('lively.localhost', '/api/auth/me', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200, `the account made before is still there: ${me.text}`);
});

test("a tenant's Redis server taken away comes back, and the tenant enqueues again", async (t) => {
  const since = Date.now();
  await agent.deleteWorkload('redis-calm');
  const { condition: queue, ms } = await repaired('calm', 'QueueReady', since);
  t.diagnostic(`repaired ${ms} ms after the server was taken away`);
  assert.match(queue.message, /Redis server does not answer.*; applied again/);
  await converged('calm', since);
  await waitFor(
    async () =>
      (await platform.http('calm.localhost', '/api/auth/password-reset', { method: 'POST', body: JSON.stringify({ email: 'someone@calm.test' }) })).status ===
      202,
    { what: 'calm enqueueing again', timeoutMs: 30_000 },
  );
});

test("a tenant's route removed from the gateway comes back", async (t) => {
  const since = Date.now();
  await agent.deleteRoute(`calm.localhost`);
  const { condition: routed, ms } = await repaired('calm', 'Routed', since);
  t.diagnostic(`repaired ${ms} ms after the route was removed`);
  assert.match(routed.message, /; applied again/);
  await answers('calm');
});

test("a tenant's pod forgotten by the supervisor comes back; its database is left alone", async (t) => {
  const since = Date.now();
  await agent.deleteWorkload('pod-calm');
  const { condition: pod, ms } = await repaired('calm', 'PodReady', since);
  t.diagnostic(`repaired ${ms} ms after the pod was taken away`);
  assert.match(pod.message, /; applied again/);
  await converged('calm', since);
  assert.equal((await condition('calm', 'DatabaseReady')).reason, 'Observed');
  await answers('calm');
});

test("a tenant's analytics login deleted from the platform's Redis comes back", async (t) => {
  const since = Date.now();
  const admin = new Redis(environ.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    assert.equal(await admin.call('ACL', 'DELUSER', 'analytics-calm'), 1);
    const { condition: analytics, ms } = await repaired('calm', 'AnalyticsReady', since);
    t.diagnostic(`repaired ${ms} ms after the login was deleted`);
    assert.match(analytics.message, /; applied again/);
    await converged('calm', since);
    assert.ok(((await admin.call('ACL', 'USERS')) as string[]).includes('analytics-calm'), 'the login is back');
    // Its password is new: the pod, which takes the analytics step's output, is applied again with it.
    assert.equal((await condition('calm', 'PodReady')).reason, 'Repaired');
  } finally {
    admin.disconnect();
  }
  await answers('calm');
});

test("the master's scheduler killed in the middle of a repair, with a second one started: the repair finishes, one reconciliation at a time", async (t) => {
  const since = Date.now();
  await agent.deleteWorkload('db-lively');
  await waitFor(
    async () => {
      const c = await condition('lively', 'DatabaseReady');
      return c.status === 'False' && Date.parse(c.lastTransitionTime) >= since;
    },
    { what: 'the repair of lively to start', timeoutMs: 30_000, intervalMs: 20 },
  );
  // A second master scheduler, as a second replica would be, then the first one killed mid-repair.
  const first = platform.pid('pod-master', 'scheduler');
  const argv = readFileSync(`/proc/${first}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const second = spawn(argv[0]!, argv.slice(1), { env: { ...environ, PORT: String(await freePort()) }, stdio: 'ignore' });
  const secondExited = new Promise((resolve) => second.once('exit', resolve));
  try {
    process.kill(first, 'SIGKILL');
    const { ms } = await repaired('lively', 'DatabaseReady', since);
    t.diagnostic(`repaired ${ms} ms after the instance was taken away`);
    await converged('lively', since);
    assert.notEqual(platform.pid('pod-master', 'scheduler'), first, 'the supervisor restarted the first scheduler');
    assert.equal(second.exitCode, null, 'the second scheduler ran throughout');
    // Two reconciliations at once would both apply the step: two completions with no attempt between them.
    const log = (await platform.api('GET', '/admin/api/tenants/lively/steps/database/log')).json as { lines: { at: string; line: string }[] };
    const events = log.lines
      .filter((l) => Date.parse(l.at) >= since)
      .map((l) => (/^attempt \d+ of/.test(l.line) ? 'attempt' : /^done in/.test(l.line) ? 'done' : undefined))
      .filter(Boolean);
    assert.ok(events.includes('done'), 'the step was applied again');
    assert.ok(!events.some((e, i) => e === 'done' && events.slice(0, i).lastIndexOf('attempt') < events.slice(0, i).lastIndexOf('done')), events.join(' '));
    assert.equal(Object.keys(platform.agentState().workloads).filter((name) => name === 'db-lively').length, 1);
    await answers('lively');
    const me = await platform.http('lively.localhost', '/api/auth/me', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, `the account made before is still there: ${me.text}`);
  } finally {
    if (second.exitCode === null) second.kill('SIGTERM');
    await secondExited;
  }
});
