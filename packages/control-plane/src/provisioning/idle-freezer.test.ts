/** Idle freezing on a real Postgres catalog: only a tier with an idle time, only tenants idle that long, each frozen once through its spec. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@tenantry/core';
import { useTestCatalog } from '../test-support/test-postgres.js';
import { IdleFreezer } from './idle-freezer.js';

const db = useTestCatalog();

test('a trial tenant idle past its tier’s time is frozen through its spec; a busy one, a production one and a frozen one are left alone', async () => {
  const { catalog } = db;
  for (const [slug, tier] of [
    ['idle', 'trial'],
    ['busy', 'trial'],
    ['prod', 'production'],
    ['cold', 'trial'],
  ] as const) {
    await catalog.create({ slug, name: slug, tier }, ['pod']);
    await catalog.status.update(slug, { phase: { to: 'ready' } });
  }
  await catalog.updateSpec('cold', { state: 'frozen' });
  const enqueued: string[] = [];
  const asked: { tenants: string[]; from: Date }[] = [];
  const later = Date.now() + 10_000;
  let since = new Date();
  const freezer = new IdleFreezer({
    catalog,
    queue: { enqueue: async (slug, action) => void enqueued.push(`${action} ${slug}`) },
    traffic: {
      lastRequests: async (tenants, from) => {
        asked.push({ tenants: [...tenants].sort(), from });
        return { since, requests: new Map([['busy', new Date(later - 500)]]) };
      },
    },
    freezeAfterMs: { trial: 5_000 },
    log: createLogger('test', 'silent'),
  });
  assert.deepEqual(await freezer.sweep(later), ['idle']);
  assert.deepEqual(enqueued, ['reconcile idle']);
  assert.deepEqual(
    asked,
    [{ tenants: ['busy', 'idle'], from: new Date(later - 5_000) }],
    'only trial tenants ready and active for 5 s are looked up, over 5 s',
  );
  const idle = (await catalog.get('idle'))!;
  assert.deepEqual([idle.spec.state, idle.generation], ['frozen', 2]);
  for (const slug of ['busy', 'prod']) assert.equal((await catalog.get(slug))!.spec.state, 'active', slug);
  assert.equal((await catalog.get('cold'))!.generation, 2, 'already frozen: no change');

  asked.length = 0;
  assert.deepEqual(await freezer.sweep(Date.now()), [], 'nobody is idle for 5 s right after becoming ready');
  assert.deepEqual(asked, [], 'so the record is not even asked');
  // Traffic recorded only from `later` on (a gateway that kept no record): a tenant with no request is idle from then, not from before.
  await catalog.create({ slug: 'quiet', name: 'quiet', tier: 'trial' }, ['pod']);
  await catalog.status.update('quiet', { phase: { to: 'ready' } });
  since = new Date(later);
  assert.deepEqual(await freezer.sweep(later + 3_000), [], 'quiet: 3 s of recorded traffic, not the 13 s since it became ready');
  assert.deepEqual((await freezer.sweep(later + 6_000)).sort(), ['busy', 'quiet'], 'busy’s last request 6.5 s ago, quiet idle 6 s');

  // A record that cannot tell (the analytics pipeline behind): nobody is frozen.
  await catalog.create({ slug: 'unsure', name: 'unsure', tier: 'trial' }, ['pod']);
  await catalog.status.update('unsure', { phase: { to: 'ready' } });
  const blind = new IdleFreezer({
    catalog,
    queue: { enqueue: async () => assert.fail('nothing may be enqueued') },
    traffic: {
      lastRequests: async () => {
        throw new Error('the analytics store is behind');
      },
    },
    freezeAfterMs: { trial: 5_000 },
    log: createLogger('test', 'silent'),
  });
  await assert.rejects(blind.sweep(later + 60_000), /behind/);
  assert.equal((await catalog.get('unsure'))!.spec.state, 'active');
});
